import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { Construct } from 'constructs';
import type { TrafficShifting } from '../traffic-shifting';

/**
 * The CodeDeploy deployment configuration for a traffic shifting: a predefined one when the values
 * match (`CodeDeployDefault.ECSAllAtOnce`, `ECSCanary10Percent5Minutes`,
 * `ECSCanary10Percent15Minutes`, `ECSLinear10PercentEvery1Minutes`, `ECSLinear10PercentEvery3Minutes`),
 * otherwise a new custom configuration created in `scope` with id `id`.
 */
export function codeDeployDeploymentConfig(shifting: TrafficShifting, scope: Construct, id: string): codedeploy.IEcsDeploymentConfig {
  const minutes = shifting.interval?.toMinutes();
  if (shifting.kind === 'ALL_AT_ONCE') { return codedeploy.EcsDeploymentConfig.ALL_AT_ONCE; }
  if (shifting.kind === 'CANARY') {
    if (shifting.percent === 10 && minutes === 5) { return codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES; }
    if (shifting.percent === 10 && minutes === 15) { return codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_15MINUTES; }
    return new codedeploy.EcsDeploymentConfig(scope, id, {
      trafficRouting: codedeploy.TrafficRouting.timeBasedCanary({ percentage: shifting.percent!, interval: shifting.interval! }),
    });
  }
  if (shifting.percent === 10 && minutes === 1) { return codedeploy.EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES; }
  if (shifting.percent === 10 && minutes === 3) { return codedeploy.EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES; }
  return new codedeploy.EcsDeploymentConfig(scope, id, {
    trafficRouting: codedeploy.TrafficRouting.timeBasedLinear({ percentage: shifting.percent!, interval: shifting.interval! }),
  });
}
