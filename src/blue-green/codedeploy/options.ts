import { Duration } from 'aws-cdk-lib';

/** Settings of the CodeDeploy engine (`BlueGreenDeployment.codeDeploy()`). */
export interface CodeDeployBlueGreenOptions {
  /**
   * How long the old (blue) task set keeps running after a successful cutover, so a rollback is
   * instant; CodeDeploy watches the alarms until then. 0-2880 minutes, whole minutes. Replaces the
   * environment-level `terminationWaitTime`, which it overrides.
   * @default - the environment's `terminationWaitTime` when set, otherwise 5 minutes in production
   * and 4 minutes elsewhere
   */
  readonly terminationWaitTime?: Duration;
}
