/**
 * Built-in smoke test for CodeDeploy ECS blue/green deployments.
 *
 * Runs as the `AfterAllowTestTraffic` lifecycle hook: it calls the green task
 * set through the load balancer's test listener `ATTEMPTS` times and reports
 * the outcome with `PutLifecycleEventHookExecutionStatus`. The handler always
 * reports (Failed on any internal error) so CodeDeploy is never left waiting.
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
import { LambdaContextLike, LifecycleHookEvent, loadConfig, runSmokeTest, SmokeTestSummary } from './smoke-test-probe';

export * from './smoke-test-probe';

export async function handler(event: LifecycleHookEvent, context?: LambdaContextLike): Promise<SmokeTestSummary> {
  let summary: SmokeTestSummary;
  try {
    summary = await runSmokeTest(loadConfig(), context);
  } catch (err) {
    summary = { status: 'Failed', attempts: [], error: err instanceof Error ? err.message : String(err) };
  }
  console.log(JSON.stringify({ deploymentId: event.DeploymentId, status: summary.status, error: summary.error }));
  // Rejecting here (reporting failed) makes Lambda retry the asynchronous invocation.
  await reportToCodeDeploy(event, summary.status);
  return summary;
}
