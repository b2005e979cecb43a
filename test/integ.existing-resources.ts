/**
 * integ: existing VPC, cluster and repository passed in: the pipeline creates none of them, and
 * a CodeCommit source with an arm64 build.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EcsCiCdPipeline, PipelineSource } from '../src';

const app = new App();
const shared = new Stack(app, 'EcsCiCdShared');
const vpc = new ec2.Vpc(shared, 'Vpc', { maxAzs: 2, natGateways: 1 });
const cluster = new ecs.Cluster(shared, 'Cluster', { vpc, enableFargateCapacityProviders: true, containerInsightsV2: ecs.ContainerInsights.ENABLED });
const repository = new ecr.Repository(shared, 'Repository', { imageScanOnPush: true, imageTagMutability: ecr.TagMutability.IMMUTABLE });
const code = new codecommit.Repository(shared, 'Code', { repositoryName: 'orders' });

const stack = new Stack(app, 'EcsCiCdExistingResources');
new EcsCiCdPipeline(stack, 'Orders', {
  source: PipelineSource.codeCommit({ repository: code, branch: 'release' }),
  repository,
  vpc,
  cpuArchitecture: ecs.CpuArchitecture.ARM64,
  environments: [
    { name: 'qa', cluster },
    // The integ run deletes the stacks afterwards: production's default deletion protection would block it.
    { name: 'prod', cluster, production: true, approvalEmails: ['release@acme.example'], loadBalancerDeletionProtection: false },
  ],
});
new IntegTest(app, 'ExistingResources', { testCases: [shared, stack] });
