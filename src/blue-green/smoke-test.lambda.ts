/**
 * Built-in smoke test for ECS blue/green deployments, for both engines.
 *
 * Runs after test traffic reaches the new version (CodeDeploy's `AfterAllowTestTraffic`, ECS's
 * `POST_TEST_TRAFFIC_SHIFT`): it calls the green version through the load balancer's test
 * listener `ATTEMPTS` times. Invoked by CodeDeploy (`DeploymentId`, `LifecycleEventHookExecutionId`)
 * it reports with `PutLifecycleEventHookExecutionStatus` and always reports (Failed on any
 * internal error) so CodeDeploy is never left waiting; invoked by ECS (`executionId`,
 * `lifecycleStage`) it returns `{ hookStatus: 'SUCCEEDED' | 'FAILED' }`, which ECS reads.
 *
 * Configuration (environment variables):
 * - TEST_LISTENER_PROTOCOL        HTTP | HTTPS (required)
 * - TEST_LISTENER_PORT            1-65535 (required)
 * - LOAD_BALANCER_DNS_NAME        sent as Host header / SNI (required)
 * - LOAD_BALANCER_ENI_DESCRIPTION optional; when set, requests go to the ALB's private IPs
 * - HEALTH_CHECK_PATH             must start with '/' (required)
 * - EXPECTED_STATUS               e.g. "200,204,301-302" (default "200-299")
 * - ATTEMPTS                      default 5
 * - TIMEOUT_MS                    per request, default 5000
 * - INTERVAL_MS                   between attempts, default 1000
 */
import { reportToCodeDeploy } from './codedeploy/smoke-test-reporter';
import { EcsHookResponse, EcsLifecycleHookEvent, ecsHookResponse, isEcsLifecycleHookEvent } from './ecs-native/smoke-test-reporter';
import { LambdaContextLike, LifecycleHookEvent, loadConfig, runSmokeTest, SmokeTestSummary } from './smoke-test-probe';

export * from './smoke-test-probe';

export async function handler(event: LifecycleHookEvent, context?: LambdaContextLike): Promise<SmokeTestSummary>;
export async function handler(event: EcsLifecycleHookEvent, context?: LambdaContextLike): Promise<EcsHookResponse>;
export async function handler(event: LifecycleHookEvent | EcsLifecycleHookEvent,
  context?: LambdaContextLike): Promise<SmokeTestSummary | EcsHookResponse> {
  let summary: SmokeTestSummary;
  try {
    summary = await runSmokeTest(loadConfig(), context);
  } catch (err) {
    summary = { status: 'Failed', attempts: [], error: err instanceof Error ? err.message : String(err) };
  }
  if (isEcsLifecycleHookEvent(event)) {
    const { executionId, lifecycleStage } = event;
    console.log(JSON.stringify({ executionId, lifecycleStage, status: summary.status, error: summary.error }));
    return ecsHookResponse(summary.status);
  }
  console.log(JSON.stringify({ deploymentId: event.DeploymentId, status: summary.status, error: summary.error }));
  // Rejecting here (reporting failed) makes Lambda retry the asynchronous invocation.
  await reportToCodeDeploy(event, summary.status);
  return summary;
}
