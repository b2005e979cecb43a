import { TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';

/** A scheduled change of the service's capacity range, e.g. scale dev to zero at night. */
export interface ScheduledScalingAction {
  /** Unique name of the action (letters, digits); becomes part of the construct id. */
  readonly name: string;
  /** When the action runs, e.g. `appscaling.Schedule.cron({ hour: '20', minute: '0' })`. */
  readonly schedule: appscaling.Schedule;
  /**
   * New minimum capacity.
   * @default - unchanged
   */
  readonly minCapacity?: number;
  /**
   * New maximum capacity.
   * @default - unchanged
   */
  readonly maxCapacity?: number;
  /**
   * Time zone of the schedule, e.g. `TimeZone.EUROPE_BERLIN`.
   * @default - UTC
   */
  readonly timeZone?: TimeZone;
}
