import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EcsCiCdPipeline, EcsCiCdPipelineProps, EnvironmentOptions, PipelineSource } from '../src';

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

describe('cdk-nag', () => {
  test('no unsuppressed finding on any stack of a same-account split', () => {
    // GIVEN
    const { app } = synth({ stackPerEnvironment: true, environments: [{ name: 'dev' }, { name: 'prod', production: true }] });
    // WHEN
    const findings = nagFindingsByStack(app);
    // THEN
    expect(findings).toEqual({ 'Delivery': [], 'Delivery-Shop-dev': [], 'Delivery-Shop-prod': [] });
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
