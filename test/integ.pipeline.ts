/**
 * integ: the three-environment pipeline with approval before prod, integration tests on staging,
 * a canary in prod: the same app as examples/app.ts.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { ShopPipelineStack } from '../examples/app';

const app = new App();
const stack = new ShopPipelineStack(app, 'EcsCiCdPipeline');
new IntegTest(app, 'ThreeEnvironmentPipeline', { testCases: [stack] });
