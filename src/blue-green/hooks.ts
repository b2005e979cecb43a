import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Lambda functions run by CodeDeploy at the lifecycle events of an ECS blue/green deployment.
 *
 * Each function receives `{ DeploymentId, LifecycleEventHookExecutionId }` and must report
 * `Succeeded` or `Failed` with `codedeploy:PutLifecycleEventHookExecutionStatus`; the permission
 * (on that environment's deployment group only) and the invoke permission for CodeDeploy are
 * granted for you. A `Failed` report rolls the deployment back.
 *
 * @see https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
 */
export interface EnvironmentHooks {
  /**
   * Runs before the green task set is created.
   * @default - no hook
   */
  readonly beforeInstall?: lambda.IFunction;
  /**
   * Runs after the green task set is created and its tasks are healthy, before test traffic.
   * @default - no hook
   */
  readonly afterInstall?: lambda.IFunction;
  /**
   * Runs after the test listener serves the green task set: the place for smoke tests.
   * @default - the built-in smoke test when `smokeTest` is enabled, otherwise no hook
   */
  readonly afterAllowTestTraffic?: lambda.IFunction;
  /**
   * Runs just before production traffic moves to the green task set.
   * @default - no hook
   */
  readonly beforeAllowTraffic?: lambda.IFunction;
  /**
   * Runs after production traffic is on the green task set.
   * @default - no hook
   */
  readonly afterAllowTraffic?: lambda.IFunction;
}
