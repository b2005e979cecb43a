/**
 * integ: the ECS-native engine in a pipeline, mixed with CodeDeploy: dev and staging deployed by
 * ECS itself (all at once with a 2-minute bake time; linear), prod by CodeDeploy with a canary,
 * plus a standalone ECS-native service with a canary. Shows the listener rules ECS rewrites, the
 * lifecycle hooks, the alarm rollback, the standard ECS deploy action and the drift guard (the
 * image record custom resource, its EventBridge rule, the command-less bootstrap image).
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { BlueGreenDeployment, BlueGreenFargateService, EcsCiCdPipeline, PipelineSource, TrafficShifting } from '../src';

const app = new App();
const stack = new Stack(app, 'EcsCiCdNative');
new EcsCiCdPipeline(stack, 'Shop', {
  source: PipelineSource.connection({
    owner: 'acme',
    repo: 'shop',
    connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/11111111-2222-3333-4444-555555555555',
  }),
  healthCheckPath: '/health',
  blueGreen: BlueGreenDeployment.ecsNative(),
  environments: [
    { name: 'dev', blueGreen: BlueGreenDeployment.ecsNative({ bakeTime: Duration.minutes(2) }) },
    { name: 'staging', trafficShifting: TrafficShifting.linear(25, Duration.minutes(2)) },
    { name: 'prod', production: true, blueGreen: BlueGreenDeployment.codeDeploy(), trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)) },
  ],
});
new BlueGreenFargateService(stack, 'Api', {
  blueGreen: BlueGreenDeployment.ecsNative(),
  containerPort: 8080,
  healthCheckPath: '/health',
  trafficShifting: TrafficShifting.canary(20, Duration.minutes(2)),
});
new IntegTest(app, 'EcsNative', { testCases: [stack] });
