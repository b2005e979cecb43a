// The AWS SDK v3 is provided by the Lambda Node.js runtime (not bundled).
// eslint-disable-next-line import/no-extraneous-dependencies
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import type { HookStatus, LifecycleHookEvent } from '../smoke-test-probe';

let codeDeploy: CodeDeployClient | undefined;
const codeDeployClient = (): CodeDeployClient => (codeDeploy ??= new CodeDeployClient({}));

/**
 * Reports a lifecycle hook's outcome to CodeDeploy (PutLifecycleEventHookExecutionStatus), which
 * continues the deployment on `Succeeded` and rolls it back on `Failed`.
 */
export async function reportToCodeDeploy(event: LifecycleHookEvent, status: HookStatus): Promise<void> {
  await codeDeployClient().send(new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status,
  }));
}
