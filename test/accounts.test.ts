import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Duration, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BlueGreenDeployment, EcsCiCdPipeline, EcsCiCdPipelineProps, EnvironmentOptions, PipelineSource } from '../src';
import { IMAGE_BUILD_SCRIPTS_FOLDER } from '../src/pipeline/build-contract';
import { ScanSeverity } from '../src/pipeline/image-build-props';
import { buildSettings, deployEnvironmentData } from '../src/pipeline/image-build-spec';

/**
 * cdk-nag 2 over every stack of `app`, synthesized once (a second synthesis re-runs aws-cdk-lib's
 * capacity-provider aspect, which fails): the unsuppressed AwsSolutions findings by stack.
 */
function nagFindingsByStack(app: App): { [stack: string]: string[] } {
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  const assembly = app.synth();
  return Object.fromEntries(assembly.stacks.map(s => [s.stackName, s.messages
    .filter(m => m.level !== 'info' && /AwsSolutions-/.test(String(m.entry.data)))
    .map(m => `${m.id}: ${String(m.entry.data).split('\n')[0]}`)]));
}

const TOOLS = { account: '111111111111', region: 'eu-west-1' };
const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f';

function pipelineIn(stack: Stack, props: Partial<EcsCiCdPipelineProps>): EcsCiCdPipeline {
  return new EcsCiCdPipeline(stack, 'Shop', {
    source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN }),
    ...props,
  });
}

/** A pipeline in stack 'Delivery' of a fresh App; returns the App's stacks by name. */
function synth(props: Partial<EcsCiCdPipelineProps>, agnostic = false) {
  const app = new App();
  const stack = new Stack(app, 'Delivery', { env: agnostic ? undefined : TOOLS });
  const pipeline = pipelineIn(stack, props);
  return { app, stack, pipeline };
}

function stackNamed(app: App, name: string): Stack {
  const stack = app.node.tryFindChild(name);
  if (!(stack instanceof Stack)) { throw new Error(`no stack ${name}; stacks: ${app.node.children.map(c => c.node.id).join(', ')}`); }
  return stack;
}

function resourceCount(stack: Stack): number {
  return Object.keys(Template.fromStack(stack).toJSON().Resources).length;
}

describe('stackPerEnvironment in the pipeline\'s account', () => {
  // GIVEN two environments and stackPerEnvironment
  const { app, stack } = synth({
    stackPerEnvironment: true,
    environments: [{ name: 'dev', integrationTestCommands: ['curl -fsS "$SERVICE_URL"'] }, { name: 'prod', production: true }],
  });
  const dev = stackNamed(app, 'Delivery-Shop-dev');
  const prod = stackNamed(app, 'Delivery-Shop-prod');

  test('each environment lives in a sibling stack named <pipeline stack>-<pipeline id>-<environment>, in the pipeline\'s account and region', () => {
    // THEN
    expect(dev.stackName).toBe('Delivery-Shop-dev');
    expect(prod.stackName).toBe('Delivery-Shop-prod');
    expect(dev.node.scope).toBe(app);
    expect([dev.account, dev.region, prod.account, prod.region]).toEqual([TOOLS.account, TOOLS.region, TOOLS.account, TOOLS.region]);
    Template.fromStack(dev).resourceCountIs('AWS::ECS::Service', 1);
    Template.fromStack(prod).resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
    Template.fromStack(stack).resourceCountIs('AWS::ECS::Service', 0);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPC', 0);
  });

  test('the pipeline\'s stack depends on the environments\' stacks, never the other way round', () => {
    // WHEN synthesized (references become dependencies then)
    app.synth();
    // THEN
    expect(stack.dependencies).toEqual(expect.arrayContaining([dev, prod]));
    expect(dev.dependencies).not.toContain(stack);
    expect(prod.dependencies).not.toContain(stack);
  });

  test('the deploy action\'s role is created in the environment\'s stack, trusted by the pipeline\'s account', () => {
    // THEN
    Template.fromStack(dev).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } } })],
      },
      Description: 'Deploys dev with CodeDeploy blue/green from the pipeline\'s deploy artifacts',
    });
    const roles = Template.fromStack(stack).findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('^Deploys ') } });
    expect(Object.keys(roles)).toEqual([]);
  });

  test('the repository\'s policy lets each environment\'s execution role pull, and the artifact bucket and key let the deploy role read', () => {
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          Principal: { AWS: { 'Fn::ImportValue': Match.stringLikeRegexp('^Delivery-Shop-dev:ExportsOutputFnGetAttEnvdevTaskDefinitionExecutionRole') } },
        })]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
          Principal: { AWS: { 'Fn::ImportValue': Match.stringLikeRegexp('^Delivery-Shop-prod:ExportsOutputFnGetAttEnvprodDeployprodActionRole') } },
        })]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['kms:Decrypt', 'kms:DescribeKey'],
          Principal: { AWS: { 'Fn::ImportValue': Match.stringLikeRegexp('^Delivery-Shop-dev:ExportsOutputFnGetAttEnvdevDeploydevActionRole') } },
        })]),
      },
    });
  });

  test('integration tests run in CodeBuild in the pipeline\'s stack, in the environment\'s VPC', () => {
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', {
      Description: 'Integration tests against dev',
      VpcConfig: { VpcId: { 'Fn::ImportValue': Match.stringLikeRegexp('^Delivery-Shop-dev:') } },
    });
  });
});

/** The example: dev with the pipeline, staging in another account, prod in a third account (and region). */
function threeAccounts(prodRegion?: string) {
  return synth({
    environments: [
      { name: 'dev' },
      { name: 'staging', account: '222222222222' },
      { name: 'prod', account: '333333333333', region: prodRegion, requireApproval: true, production: true },
    ],
  });
}

/** A role's ARN as the pipeline's stack names it: generated name, literal account. */
const roleIn = (account: string, name: RegExp) => Match.objectLike({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, Match.stringLikeRegexp(`^:iam::${account}:role/${name.source}`)]],
});
/** The same, for jest's own matchers. */
const jestRoleIn = (account: string, name: RegExp) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, expect.stringMatching(new RegExp(`^:iam::${account}:role/${name.source}`))]],
});

/** The action `name` of the pipeline's `Deploy-<environment>` stage in `stack`. */
function actionOf(stack: Stack, environment: string, name: string): any {
  const pipeline = Object.values<any>(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0];
  return pipeline.Properties.Stages.find((s: any) => s.Name === `Deploy-${environment}`).Actions.find((a: any) => a.Name === name);
}

/** The prod deploy role (in its own stack and region) may read the replication bucket aws-cdk-lib created there. */
function expectDeployRoleReadsReplicationBucket(prod: Stack): void {
  Template.fromStack(prod).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({
        Action: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
        Resource: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^CrossRegionReplicationSupport.*ReplicationBucket'), 'Arn'] }]),
      })]),
    },
    Roles: [{ Ref: Match.stringLikeRegexp('^EnvprodDeployprodActionRole') }],
  });
}

describe('cross-account', () => {
  const { app, stack } = threeAccounts();
  const staging = stackNamed(app, 'Delivery-Shop-staging');
  const prod = stackNamed(app, 'Delivery-Shop-prod');
  const pipelineTemplate = Template.fromStack(stack);

  test('an environment in another account lives in its own stack there; one in the pipeline\'s account stays', () => {
    expect([staging.account, staging.region, prod.account, prod.region]).toEqual(['222222222222', 'eu-west-1', '333333333333', 'eu-west-1']);
    pipelineTemplate.resourceCountIs('AWS::ECS::Service', 1);
    expect(stack.dependencies).toEqual(expect.arrayContaining([staging, prod]));
  });

  test('the deploy action runs with a role in the target account, trusted by the pipeline\'s account', () => {
    const deploy = actionOf(stack, 'prod', 'Deploy');
    expect(deploy.RoleArn).toEqual(jestRoleIn('333333333333', /delivery-shop-prod.*actionrole/));
    expect(deploy.Configuration.ApplicationName).toMatch(/^delivery-shop-prod/);
    Template.fromStack(prod).hasResourceProperties('AWS::IAM::Role', {
      RoleName: Match.stringLikeRegexp('actionrole'),
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } } })] },
    });
  });

  test('the artifact bucket and key admit the target account\'s deploy role by ARN, not the account', () => {
    pipelineTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { AWS: roleIn('222222222222', /.*actionrole/) } })]) },
    });
    pipelineTemplate.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Action: ['kms:Decrypt', 'kms:DescribeKey'], Principal: { AWS: roleIn('333333333333', /.*actionrole/) } })]) },
    });
  });

  test('the repository admits each target account\'s task execution role (pull only), not the account', () => {
    const repository = Object.values(pipelineTemplate.findResources('AWS::ECR::Repository'))[0] as any;
    const pulls = repository.Properties.RepositoryPolicyText.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(pulls).toEqual([
      { Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Principal: { AWS: jestRoleIn('222222222222', /.*executionrole/) } },
      { Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Principal: { AWS: jestRoleIn('333333333333', /.*executionrole/) } },
    ]);
  });

  test('the build reads the remote environment\'s data through a role of its stack: no long-lived credentials', () => {
    Template.fromStack(prod).hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/Delivery-Shop-prod/prod/build-data',
      Value: { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('^EnvprodTaskDefinition') }])] },
    });
    const project = Object.values(pipelineTemplate.findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('^Builds ') } }))[0] as any;
    const variable = project.Properties.Environment.EnvironmentVariables.find((v: any) => v.Name === 'DEPLOY_ENVIRONMENT_PROD');
    expect(JSON.stringify(variable.Value)).toMatch(/\\"remote\\":\{\\"roleArn\\":.*333333333333:role\/delivery-shop-prod.*builddatareader.*\\"parameterName\\":\\"\/Delivery-Shop-prod\/prod\/build-data\\",\\"region\\":\\"eu-west-1\\"/);
    pipelineTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleIn('333333333333', /.*builddatareader/) }]) },
    });
  });

  test('the approval before prod links no URL of another account (unknown in this template)', () => {
    const approve = actionOf(stack, 'prod', 'Approve');
    expect(approve.Configuration.ExternalEntityLink).toBeUndefined();
  });
});

describe('cross-region', () => {
  const { app, stack } = threeAccounts('us-east-1');
  const prod = stackNamed(app, 'Delivery-Shop-prod');

  test('the pipeline replicates its artifacts to a bucket in the environment\'s stack and region, which the deploy role reads', () => {
    expect(prod.region).toBe('us-east-1');
    const pipeline = (Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties;
    expect(pipeline.ArtifactStores.map((s: any) => s.Region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    const replication = Template.fromStack(prod).findResources('AWS::S3::Bucket');
    expect(Object.keys(replication).some(id => id.startsWith('CrossRegionReplicationSupport'))).toBe(true);
    expectDeployRoleReadsReplicationBucket(prod);
  });

  test('the tasks pull from the pipeline\'s region (cross-region pull: no registry-wide replication)', () => {
    Template.fromStack(prod).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:111111111111:repository/*']] },
        }]),
      },
    });
    Template.fromStack(stack).resourceCountIs('AWS::ECR::ReplicationConfiguration', 0);
  });

  test('the build reads the environment\'s data in its region', () => {
    const project = Object.values(Template.fromStack(stack).findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('^Builds ') } }))[0] as any;
    const variable = project.Properties.Environment.EnvironmentVariables.find((v: any) => v.Name === 'DEPLOY_ENVIRONMENT_PROD');
    expect(JSON.stringify(variable.Value)).toContain('\\"region\\":\\"us-east-1\\"');
  });

  test('integration tests on an environment in another account or region fail at synth, naming the prop', () => {
    expect(() => synth({ environments: [{ name: 'dev' }, { name: 'prod', region: 'us-east-1', production: true, integrationTestCommands: ['true'] }] }))
      .toThrow(/environments\[1\]\.integrationTestCommands is not supported for an environment in another account or region/);
  });

  test.each([
    ['another region', { region: 'us-east-1' }],
    ['another account', { account: '333333333333' }],
  ])('manualRerouteTimeout on an environment in %s fails at synth: nothing in the pipeline\'s account and region would tell anyone it waits', (_where, place) => {
    expect(() => synth({ environments: [{ name: 'dev' }, { name: 'prod', ...place, production: true, manualRerouteTimeout: Duration.hours(1) }] }))
      .toThrow(/^environments\[1\]\.manualRerouteTimeout \(1 hour\) is not supported for an environment in another account or region \('prod': \d{12}\/[a-z0-9-]+\)/);
  });

  test('no template of a three-account pipeline reads another stack\'s outputs across accounts (Fn::GetStackOutput)', () => {
    // GIVEN the three-account, two-region pipeline (prod's approval would link to staging's URL, in another account)
    const { app: threeAccountApp } = threeAccounts('us-east-1');
    const assembly = threeAccountApp.synth();
    for (const artifact of assembly.stacks) {
      expect([artifact.stackName, JSON.stringify(artifact.template)]).not.toEqual([artifact.stackName, expect.stringContaining('Fn::GetStackOutput')]);
    }
    expect(assembly.stacks.length).toBe(3);
  });
});

describe('integration tests of an environment with an internal load balancer in its own stack', () => {
  test('the rule that admits the tests is created in the pipeline\'s stack, so the environment\'s stack does not depend on it', () => {
    // GIVEN
    const { app, stack } = synth({
      stackPerEnvironment: true,
      environments: [{ name: 'dev', internetFacing: false, integrationTestCommands: ['true'], production: true }],
    });
    // WHEN synthesized (references become dependencies then)
    const dev = stackNamed(app, 'Delivery-Shop-dev');
    app.synth();
    // THEN
    expect(dev.dependencies).not.toContain(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('^Delivery-Shop-dev:.*LoadBalancerSecurityGroup') },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ShopIntegrationTestsSecurityGroup'), 'GroupId'] },
      FromPort: 80,
      Description: 'Integration tests of dev',
    });
  });
});

describe('warnings', () => {
  test('a KMS-encrypted repository warns for an environment in another account', () => {
    // GIVEN
    const { app, stack } = synth({
      repositoryEncryption: ecr.RepositoryEncryption.KMS,
      environments: [{ name: 'dev' }, { name: 'prod', account: '333333333333', production: true }],
    });
    // WHEN
    const messages = app.synth().getStackArtifact(stack.artifactId).messages;
    // THEN
    expect(messages.map(m => String(m.entry.data)).filter(m => /crossAccountRepositoryKey/.test(m))).toHaveLength(1);
  });

  test('an AES-256 repository (the default) does not warn', () => {
    const { app, stack } = synth({ environments: [{ name: 'dev' }, { name: 'prod', account: '333333333333', production: true }] });
    const messages = app.synth().getStackArtifact(stack.artifactId).messages;
    expect(messages.map(m => String(m.entry.data)).filter(m => /crossAccount/.test(m))).toEqual([]);
  });
});

describe('cdk-nag', () => {
  test('no unsuppressed finding on any stack across three accounts and two regions', () => {
    // GIVEN
    const { app } = threeAccounts('us-east-1');
    // WHEN
    const findings = nagFindingsByStack(app);
    // THEN
    expect(findings).toEqual({ 'Delivery': [], 'Delivery-Shop-staging': [], 'Delivery-Shop-prod': [] });
  });

  test('no unsuppressed finding on any stack of a same-account split', () => {
    // GIVEN
    const { app } = synth({ stackPerEnvironment: true, environments: [{ name: 'dev' }, { name: 'prod', production: true }] });
    // WHEN
    const findings = nagFindingsByStack(app);
    // THEN
    expect(findings).toEqual({ 'Delivery': [], 'Delivery-Shop-dev': [], 'Delivery-Shop-prod': [] });
  });
});

describe('the names of the environments\' stacks', () => {
  test('a pipeline id that makes no stack name fails at synth, naming the environment, the name and the id', () => {
    const stack = new Stack(new App(), 'Delivery', { env: TOOLS });
    expect(() => new EcsCiCdPipeline(stack, 'Shop_Pipeline', {
      source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/abc' }),
      stackPerEnvironment: true,
      environments: [{ name: 'dev', production: true }],
    })).toThrow(/^environments\[0\] \('dev'\) needs a stack of its own, named 'Delivery-Shop_Pipeline-dev'.*\(got 'Shop_Pipeline'\)/);
  });
});

describe('the VPC of an environment in a stack of its own', () => {
  const counts = (app: App, name: string) => {
    const template = Template.fromStack(stackNamed(app, name));
    return {
      nat: Object.keys(template.findResources('AWS::EC2::NatGateway')).length,
      interfaceEndpoints: Object.keys(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).length,
    };
  };

  test('by default: 1 NAT gateway, 2 in production, no interface endpoints', () => {
    const { app } = synth({ stackPerEnvironment: true, environments: [{ name: 'dev' }, { name: 'prod', production: true }] });
    expect([counts(app, 'Delivery-Shop-dev'), counts(app, 'Delivery-Shop-prod')])
      .toEqual([{ nat: 1, interfaceEndpoints: 0 }, { nat: 2, interfaceEndpoints: 0 }]);
  });

  test('follows the pipeline\'s natGateways and vpcEndpoints, like the VPC the pipeline creates', () => {
    const { app } = synth({ stackPerEnvironment: true, natGateways: 1, vpcEndpoints: true, environments: [{ name: 'dev' }, { name: 'prod', production: true }] });
    expect([counts(app, 'Delivery-Shop-dev'), counts(app, 'Delivery-Shop-prod')])
      .toEqual([{ nat: 1, interfaceEndpoints: 3 }, { nat: 1, interfaceEndpoints: 3 }]);
  });
});

describe('where the environments\' stacks go', () => {
  test('in a Stage: siblings of the pipeline\'s stack in the same Stage, named after its stack name', () => {
    // GIVEN
    const app = new App();
    const stage = new Stage(app, 'Prod');
    const stack = new Stack(stage, 'Delivery', { env: TOOLS });
    // WHEN
    pipelineIn(stack, { environments: [{ name: 'dev' }, { name: 'live', account: '333333333333', production: true }] });
    // THEN
    const live = stage.node.tryFindChild('Delivery-Shop-live') as Stack;
    expect(live).toBeInstanceOf(Stack);
    expect(live.stackName).toBe('Prod-Delivery-Shop-live');
    expect(live.account).toBe('333333333333');
    expect(app.node.tryFindChild('Delivery-Shop-live')).toBeUndefined();
    Template.fromStack(live).resourceCountIs('AWS::ECS::Service', 1);
  });

  test('an environment-agnostic pipeline stack with stackPerEnvironment gives environment-agnostic stacks that synthesize', () => {
    // GIVEN
    const { app, stack } = synth({ stackPerEnvironment: true, environments: [{ name: 'dev' }, { name: 'prod', production: true }] }, true);
    // WHEN
    const dev = stackNamed(app, 'Delivery-Shop-dev');
    // THEN
    expect(dev.environment).toBe('aws://unknown-account/unknown-region');
    Template.fromStack(dev).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
        })],
      },
      Description: Match.stringLikeRegexp('^Deploys dev'),
    });
    expect(stack.dependencies).toContain(dev);
  });
});

describe('the default case keeps every environment in the pipeline\'s stack', () => {
  test('no other stack, no dependency', () => {
    // GIVEN / WHEN
    const { app, stack } = synth({ environments: [{ name: 'dev' }, { name: 'prod', production: true }] });
    // THEN
    expect(app.node.children.filter(c => c instanceof Stack)).toEqual([stack]);
    Template.fromStack(stack).resourceCountIs('AWS::ECS::Service', 2);
  });
});

describe('validation', () => {
  test('an account on an environment of an environment-agnostic pipeline stack fails, naming the prop', () => {
    expect(() => synth({ environments: [{ name: 'dev' }, { name: 'prod', account: '333333333333', production: true }] }, true))
      .toThrow(/environments\[1\]\.account \('333333333333'\) needs a pipeline stack with a concrete account/);
  });

  test('a region on an environment of an environment-agnostic pipeline stack fails, naming the prop', () => {
    expect(() => synth({ environments: [{ name: 'dev', region: 'us-east-1', production: true }] }, true))
      .toThrow(/environments\[0\]\.region \('us-east-1'\) needs a pipeline stack with a concrete region/);
  });

  test('an account that is not 12 digits fails', () => {
    expect(() => synth({ environments: [{ name: 'dev', account: '1234', production: true }] }))
      .toThrow(/environments\[0\]\.account \("1234"\) must be a 12-digit AWS account id/);
  });

  test('a VPC created in the pipeline\'s stack cannot be shared with environments in their own stacks', () => {
    const app = new App();
    const stack = new Stack(app, 'Delivery', { env: TOOLS });
    expect(() => pipelineIn(stack, { vpc: new ec2.Vpc(stack, 'Vpc'), stackPerEnvironment: true, environments: [{ name: 'dev', production: true }] }))
      .toThrow(/vpc \(Delivery\/Vpc\) is created in the pipeline's stack/);
  });

  test('a stack past 500 resources fails at synth, naming stackPerEnvironment', () => {
    // GIVEN twelve environments in one stack
    const envs: EnvironmentOptions[] = Array.from({ length: 12 }, (_, i) => ({ name: `env${i}`, production: i === 11 }));
    const { app } = synth({ environments: envs });
    // WHEN / THEN
    expect(() => app.synth()).toThrow(/stack 'Delivery' has \d+ resources; CloudFormation accepts at most 500 per stack: set stackPerEnvironment: true/);
  });
});

describe('15 environments with stackPerEnvironment', () => {
  test('synthesize, each with integration tests, every stack under 500 resources', () => {
    // GIVEN
    const envs: EnvironmentOptions[] = Array.from({ length: 15 }, (_, i) => ({
      name: `env${i}`,
      production: i === 14,
      integrationTestCommands: [`curl -fsS "$SERVICE_URL/health" # env${i}`],
    }));
    const { app, stack } = synth({ stackPerEnvironment: true, environments: envs });
    // WHEN
    const assembly = app.synth();
    // THEN
    expect(assembly.stacks).toHaveLength(16);
    assembly.stacks.forEach(s => expect(Object.keys(s.template.Resources).length).toBeLessThanOrEqual(500));
    const actions = Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline');
    const stages = (Object.values(actions)[0] as any).Properties.Stages as any[];
    envs.forEach(env => expect(stages.find(s => s.Name === `Deploy-${env.name}`).Actions.map((a: any) => a.Name)).toContain('IntegrationTests'));
    expect(resourceCount(stack)).toBeLessThanOrEqual(500);
  });
});

describe('the image build reads a remote environment\'s data through the role its stack creates', () => {
  /** Answers like the AWS CLI; fails unless the ssm and ecs calls carry the assumed role's credentials and the environment's region. */
  const AWS_STUB = `#!/usr/bin/env bash
(IFS=$'\\t'; printf 'aws\\t%s\\tkey=%s\\n' "$*" "\${AWS_ACCESS_KEY_ID:-}") >> "$CALL_LOG"
args="$*"
case "$args" in
  "sts assume-role --role-arn arn:aws:iam::333333333333:role/reader --role-session-name image-build "*)
    printf 'ASIATEMP\\tsecret\\ttoken\\n' ;;
  "--region us-east-1 ssm get-parameter --name /Delivery-Shop-prod/prod/build-data "*)
    [ "$AWS_ACCESS_KEY_ID" = ASIATEMP ] || { echo "not assumed" >&2; exit 255; }
    cat "$FIXTURES/build-data.json" ;;
  "--region us-east-1 ecs describe-task-definition --task-definition arn:aws:ecs:us-east-1:333333333333:task-definition/prod:7")
    [ "$AWS_ACCESS_KEY_ID" = ASIATEMP ] || { echo "not assumed" >&2; exit 255; }
    cat "$FIXTURES/taskdef.json" ;;
  *) echo "stub aws: unexpected call: $args" >&2; exit 2 ;;
esac
`;

  test('post_build assumes the role, reads the SSM parameter and describes the task definition in the environment\'s region', () => {
    // GIVEN the scripts, a stub aws and the variables the construct sets for a remote environment
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-build-'));
    const scripts = path.join(root, 'scripts');
    fs.cpSync(path.join(__dirname, '..', ...IMAGE_BUILD_SCRIPTS_FOLDER), scripts, { recursive: true });
    fs.rmSync(path.join(scripts, 'work'), { recursive: true, force: true });
    fs.mkdirSync(path.join(scripts, 'work'));
    fs.writeFileSync(path.join(scripts, 'work', 'state.sh'), 'IMAGE_TAG=abc\nIMAGE_DIGEST=sha256:0123\n');
    const bin = path.join(root, 'bin');
    const fixtures = path.join(root, 'fixtures');
    const src = path.join(root, 'src');
    [bin, fixtures, src].forEach(dir => fs.mkdirSync(dir));
    fs.writeFileSync(path.join(bin, 'aws'), AWS_STUB, { mode: 0o755 });
    const arn = 'arn:aws:ecs:us-east-1:333333333333:task-definition/prod:7';
    fs.writeFileSync(path.join(fixtures, 'build-data.json'), JSON.stringify(deployEnvironmentData({
      name: 'prod',
      taskDefinitionArn: arn,
      containerName: 'app',
      containerPort: 8080,
      engineData: { hooks: [['AfterAllowTestTraffic', 'arn:aws:lambda:us-east-1:333333333333:function:smoke']] },
    })));
    fs.writeFileSync(path.join(fixtures, 'taskdef.json'), JSON.stringify({
      taskDefinition: { taskDefinitionArn: arn, family: 'prod', revision: 7, containerDefinitions: [{ name: 'app', image: 'bootstrap' }] },
    }));
    const callLog = path.join(root, 'calls.log');
    // WHEN
    const run = spawnSync('bash', [path.join(scripts, 'image-build.sh'), 'post_build'], {
      cwd: src,
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        CALL_LOG: callLog,
        FIXTURES: fixtures,
        CODEBUILD_SRC_DIR: src,
        REPOSITORY_URI: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop',
        IMAGE_BUILD_SETTINGS: JSON.stringify(buildSettings({ dockerfile: 'Dockerfile', buildDirectory: '.', scanSeverityThreshold: ScanSeverity.CRITICAL, environments: [] })),
        DEPLOY_ENVIRONMENTS: 'DEPLOY_ENVIRONMENT_PROD',
        DEPLOY_ENVIRONMENT_PROD: JSON.stringify({
          name: 'prod',
          remote: { roleArn: 'arn:aws:iam::333333333333:role/reader', parameterName: '/Delivery-Shop-prod/prod/build-data', region: 'us-east-1' },
        }),
      },
    });
    // THEN
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const taskdef = JSON.parse(fs.readFileSync(path.join(src, 'deploy-artifacts', 'taskdef-prod.json'), 'utf8'));
    expect(taskdef.containerDefinitions[0].image).toBe('<IMAGE1_NAME>');
    const appspec = fs.readFileSync(path.join(src, 'deploy-artifacts', 'appspec-prod.yaml'), 'utf8');
    expect(appspec).toContain('arn:aws:lambda:us-east-1:333333333333:function:smoke');
    // the build role's own credentials never reach the environment's account: every ssm/ecs call ran as the assumed role
    const calls = fs.readFileSync(callLog, 'utf8').trim().split('\n');
    expect(calls.filter(c => /\t(ssm|ecs)\t/.test(c)).every(c => c.endsWith('key=ASIATEMP'))).toBe(true);
    expect(calls.filter(c => /\tsts\t/.test(c))).toHaveLength(2);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('the ECS-native engine across stacks, accounts and regions', () => {
  function nativeEverywhere(prodRegion?: string) {
    const app = new App();
    const stack = new Stack(app, 'Delivery', { env: TOOLS });
    pipelineIn(stack, {
      blueGreen: BlueGreenDeployment.ecsNative(),
      environments: [
        { name: 'dev' },
        { name: 'staging', account: '222222222222' },
        { name: 'prod', account: '333333333333', region: prodRegion, production: true, blueGreen: BlueGreenDeployment.codeDeploy() },
      ],
    });
    return { app, stack };
  }

  test('a native environment in another account deploys with the ECS action, a role in that account and generated cluster and service names', () => {
    const { app, stack } = nativeEverywhere();
    const staging = stackNamed(app, 'Delivery-Shop-staging');
    const deploy = actionOf(stack, 'staging', 'Deploy');
    expect(deploy.ActionTypeId.Provider).toBe('ECS');
    expect(deploy.RoleArn).toEqual(jestRoleIn('222222222222', /delivery-shop-staging.*actionrole/));
    expect(deploy.Configuration.ClusterName).toMatch(/^delivery-shop-staging/);
    expect(deploy.Configuration.ServiceName).toMatch(/^delivery-shop-staging/);
    expect(deploy.Configuration.FileName).toBe('imagedefinitions-staging.json');
    // The drift guard lives with its environment.
    Template.fromStack(staging).resourceCountIs('Custom::EcsImageRecord', 1);
    Template.fromStack(staging).resourceCountIs('AWS::Events::Rule', 1);
    Template.fromStack(stack).resourceCountIs('Custom::EcsImageRecord', 1);
    // The build needs nothing of a native environment it cannot know at synth: no role to assume there.
    Template.fromStack(staging).resourceCountIs('AWS::SSM::Parameter', 0);
  });

  test('a native environment in another region reads the replicated artifacts and pulls across regions', () => {
    const app = new App();
    const stack = new Stack(app, 'Delivery', { env: TOOLS });
    pipelineIn(stack, { blueGreen: BlueGreenDeployment.ecsNative(), environments: [{ name: 'dev' }, { name: 'prod', region: 'us-east-1', production: true }] });
    const prod = stackNamed(app, 'Delivery-Shop-prod');
    expect(actionOf(stack, 'prod', 'Deploy')).toMatchObject({ ActionTypeId: { Provider: 'ECS' }, Region: 'us-east-1' });
    expectDeployRoleReadsReplicationBucket(prod);
  });

  test('a same-account split with the native engine keeps the deploy role in the environment\'s stack', () => {
    const { app, stack } = synth({ stackPerEnvironment: true, blueGreen: BlueGreenDeployment.ecsNative(), environments: [{ name: 'dev' }] });
    const dev = stackNamed(app, 'Delivery-Shop-dev');
    Template.fromStack(dev).hasResourceProperties('AWS::IAM::Role', { Description: Match.stringLikeRegexp('with the ECS deploy action') });
    expect(actionOf(stack, 'dev', 'Deploy').ActionTypeId.Provider).toBe('ECS');
  });

  test('no unsuppressed cdk-nag finding on any stack, native in two accounts and two regions', () => {
    const { app } = nativeEverywhere('us-east-1');
    const findings = nagFindingsByStack(app);
    expect(Object.values(findings).flat()).toEqual([]);
  });
});
