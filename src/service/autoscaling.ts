import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { DeploymentEnvironmentOptions } from './options';
import { ResolvedServiceSettings } from './settings';

/** The autoscaling props that are not resolved into settings. */
type ServiceAutoscalingOptions = Pick<DeploymentEnvironmentOptions, 'requestsPerTarget' | 'scheduledScaling'>;

/**
 * Target tracking on CPU and memory (and on requests per target when `requestsPerTarget` is set)
 * plus the scheduled actions, on the service's task count.
 */
export function configureAutoscaling(service: ecs.FargateService, blueTargetGroup: elbv2.ApplicationTargetGroup,
  props: ServiceAutoscalingOptions, s: ResolvedServiceSettings): ecs.ScalableTaskCount {
  const scalableTarget = service.autoScaleTaskCount({ minCapacity: s.minCapacity, maxCapacity: s.maxCapacity });
  const cooldowns = { scaleOutCooldown: s.scaleOutCooldown, scaleInCooldown: s.scaleInCooldown };
  scalableTarget.scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: s.cpuTargetUtilization, ...cooldowns });
  scalableTarget.scaleOnMemoryUtilization('MemoryScaling', { targetUtilizationPercent: s.memoryTargetUtilization, ...cooldowns });
  if (props.requestsPerTarget !== undefined) {
    scalableTarget.scaleOnRequestCount('RequestCountScaling', {
      requestsPerTarget: props.requestsPerTarget,
      targetGroup: blueTargetGroup,
      ...cooldowns,
    });
  }
  for (const action of props.scheduledScaling ?? []) {
    scalableTarget.scaleOnSchedule(`Schedule${action.name}`, {
      schedule: action.schedule,
      minCapacity: action.minCapacity,
      maxCapacity: action.maxCapacity,
      timeZone: action.timeZone,
    });
  }
  return scalableTarget;
}
