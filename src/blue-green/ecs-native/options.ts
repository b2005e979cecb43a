import { Duration } from 'aws-cdk-lib';

/** Settings of the ECS-native engine (`BlueGreenDeployment.ecsNative()`). */
export interface EcsNativeBlueGreenOptions {
  /**
   * How long ECS keeps the old (blue) revision running after production traffic has moved, while
   * the deployment alarms are watched; a rollback within it is instant. 0-45 minutes, whole
   * minutes; shift time + bake time + 15 minutes must fit the ECS deploy action's 60 minutes
   * (so less than 45 with canary or linear traffic shifting).
   * @default - the environment's `terminationWaitTime` (5 minutes in production, 4 minutes elsewhere)
   */
  readonly bakeTime?: Duration;
}
