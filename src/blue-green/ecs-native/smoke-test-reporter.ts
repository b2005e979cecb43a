import type { HookStatus } from '../smoke-test-probe';

/**
 * Event sent by ECS to a deployment lifecycle hook function
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html).
 */
export interface EcsLifecycleHookEvent {
  readonly executionId: string;
  readonly lifecycleStage: string;
  readonly resourceArn?: string;
}

/** What an ECS lifecycle hook returns: SUCCEEDED continues the deployment, FAILED rolls it back. */
export interface EcsHookResponse {
  readonly hookStatus: 'SUCCEEDED' | 'FAILED';
}

/** Whether the hook was invoked by ECS (not CodeDeploy). */
export function isEcsLifecycleHookEvent(event: unknown): event is EcsLifecycleHookEvent {
  return typeof event === 'object' && event !== null && 'lifecycleStage' in event && 'executionId' in event;
}

/** The ECS hook contract: the outcome is the function's return value. */
export function ecsHookResponse(status: HookStatus): EcsHookResponse {
  return { hookStatus: status === 'Succeeded' ? 'SUCCEEDED' : 'FAILED' };
}
