/**
 * integ: a pipeline in a tools account (111111111111, eu-west-1) with dev beside it, staging in a
 * second account and prod in a third account and another region (us-east-1), as in the README's
 * "Environments in other accounts and regions". Four stacks: Delivery (the pipeline and dev),
 * Delivery-Shop-staging, Delivery-Shop-prod, whose stacks the pipeline's depends on. Staging is
 * deployed by the ECS-native engine (the ECS action with a role in its account, the image record
 * with its environment), the others by CodeDeploy: both engines across accounts.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import { BlueGreenDeployment, EcsCiCdPipeline, PipelineSource } from '../src';

// The availability zones a lookup would return (no credentials here): real names instead of dummies.
const app = new App({
  context: {
    'availability-zones:account=111111111111:region=eu-west-1': ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    'availability-zones:account=222222222222:region=eu-west-1': ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    'availability-zones:account=333333333333:region=us-east-1': ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  },
});
const tools = new Stack(app, 'Delivery', { env: { account: '111111111111', region: 'eu-west-1' } });
const pipeline = new EcsCiCdPipeline(tools, 'Shop', {
  source: PipelineSource.connection({
    owner: 'acme',
    repo: 'shop',
    branch: 'main',
    connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f',
  }),
  healthCheckPath: '/health',
  environments: [
    { name: 'dev', integrationTestCommands: ['curl -fsS "$SERVICE_URL/health"'] },
    { name: 'staging', account: '222222222222', blueGreen: BlueGreenDeployment.ecsNative() },
    { name: 'prod', account: '333333333333', region: 'us-east-1', requireApproval: true, production: true },
  ],
});
const environmentStacks = pipeline.environments.map(env => Stack.of(env)).filter(stack => stack !== tools);
new IntegTest(app, 'ThreeAccounts', { testCases: [tools, ...environmentStacks] });
