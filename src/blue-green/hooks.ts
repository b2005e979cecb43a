import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Lambda functions run at the hook points of an ECS blue/green deployment, by either engine.
 *
 * With `BlueGreenDeployment.codeDeploy()` they are AppSpec lifecycle hooks: each function receives
 * `{ DeploymentId, LifecycleEventHookExecutionId }` and must report `Succeeded` or `Failed` with
 * `codedeploy:PutLifecycleEventHookExecutionStatus`; the permission (on that environment's
 * deployment group only) and the invoke permission for CodeDeploy are granted for you.
 *
 * With `BlueGreenDeployment.ecsNative()` they are ECS lifecycle hooks (beforeInstall: PRE_SCALE_UP,
 * afterInstall: POST_SCALE_UP, afterAllowTestTraffic: POST_TEST_TRAFFIC_SHIFT, beforeAllowTraffic:
 * PRODUCTION_TRAFFIC_SHIFT, afterAllowTraffic: POST_PRODUCTION_TRAFFIC_SHIFT): each function
 * receives `{ executionId, lifecycleStage, resourceArn, executionDetails }` and must *return*
 * `{ hookStatus: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS' }`; ECS is allowed to invoke exactly these
 * functions. The built-in smoke test speaks both contracts.
 *
 * Either way a failure rolls the deployment back.
 *
 * @see https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
 * @see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html
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
