import { Duration } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { Construct } from 'constructs';
import { codeDeployDeploymentConfig } from './codedeploy/deployment-config';
import { validateDuration, validateInteger } from '../private/validation';

/**
 * How production traffic moves from the blue to the green task set during a blue/green deployment.
 *
 * It describes the shift only; the deployment engine (`BlueGreenDeployment`) translates it. With
 * CodeDeploy, its predefined configurations are used when the values match one
 * (`CodeDeployDefault.ECSAllAtOnce`, `ECSCanary10Percent5Minutes`, `ECSCanary10Percent15Minutes`,
 * `ECSLinear10PercentEvery1Minutes`, `ECSLinear10PercentEvery3Minutes`); any other values create a
 * custom `AWS::CodeDeploy::DeploymentConfig`.
 */
export class TrafficShifting {
  /** Shift all traffic to the green task set at once (CodeDeploy `ECSAllAtOnce`). */
  public static allAtOnce(): TrafficShifting {
    return new TrafficShifting('ALL_AT_ONCE');
  }

  /**
   * Shift `percent` of the traffic first, then the rest after `interval`.
   *
   * @param percent the share of traffic in the first increment, 1-99
   * @param interval the wait before the rest of the traffic moves, in whole minutes, 1-2880
   */
  public static canary(percent: number, interval: Duration): TrafficShifting {
    validateInteger('TrafficShifting.canary(percent)', percent, 1, 99);
    validateDuration('TrafficShifting.canary(interval)', interval, Duration.minutes(1), Duration.minutes(2880), 'minutes');
    return new TrafficShifting('CANARY', percent, interval);
  }

  /**
   * Shift `percent` of the traffic every `interval` until all traffic is on green.
   *
   * @param percent the share of traffic moved in each increment, 1-99
   * @param interval the wait between increments, in whole minutes, 1-2880
   */
  public static linear(percent: number, interval: Duration): TrafficShifting {
    validateInteger('TrafficShifting.linear(percent)', percent, 1, 99);
    validateDuration('TrafficShifting.linear(interval)', interval, Duration.minutes(1), Duration.minutes(2880), 'minutes');
    return new TrafficShifting('LINEAR', percent, interval);
  }

  /** `ALL_AT_ONCE`, `CANARY` or `LINEAR`. */
  public readonly kind: string;
  /**
   * Percentage of traffic per increment.
   * @default - none for all-at-once
   */
  public readonly percent?: number;
  /**
   * Wait between increments.
   * @default - none for all-at-once
   */
  public readonly interval?: Duration;

  private constructor(kind: string, percent?: number, interval?: Duration) {
    this.kind = kind;
    this.percent = percent;
    this.interval = interval;
  }

  /**
   * The CodeDeploy deployment configuration for this traffic shifting: a predefined one when the
   * values match, otherwise a new custom configuration created in `scope` with id `id`.
   *
   * @deprecated the deployment engine translates the traffic shifting (`BlueGreenDeployment.codeDeploy()`)
   */
  public bindDeploymentConfig(scope: Construct, id: string): codedeploy.IEcsDeploymentConfig {
    return codeDeployDeploymentConfig(this, scope, id);
  }
}
