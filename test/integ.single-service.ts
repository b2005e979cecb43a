/**
 * integ: one environment used alone: a BlueGreenFargateService with its own VPC and cluster,
 * the bootstrap image, the X-Ray sidecar, the smoke test and a canary deployment.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { BlueGreenFargateService, TrafficShifting } from '../src';

const app = new App();
const stack = new Stack(app, 'EcsCiCdSingleService');
new BlueGreenFargateService(stack, 'Api', {
  containerPort: 8080,
  healthCheckPath: '/health',
  trafficShifting: TrafficShifting.canary(20, Duration.minutes(2)),
});
new IntegTest(app, 'SingleService', { testCases: [stack] });
