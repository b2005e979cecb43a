import { App, CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ShopPipelineStack } from '../examples/app';
import { BlueGreenFargateService, EcsCiCdPipeline, EcsCiCdPipelineProps, PipelineSource } from '../src';
import { allowStatements, wildcardGrants } from './support/iam';
import { nagFindings } from './support/nag';

// ---------------------------------------------------------------------------
// Fixtures and helpers
// ---------------------------------------------------------------------------

const ENV = { account: '123456789012', region: 'eu-west-1' };
const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f';

interface Synth {
  readonly stack: Stack;
  readonly pipeline: EcsCiCdPipeline;
  readonly template: Template;
  readonly annotations: Annotations;
}

/**
 * An EcsCiCdPipeline ('Pipeline') in a fresh App and Stack, synthesized once. `inStack` adds props
 * that need the stack (an existing repository, ...). Annotations are read first: `Annotations.fromStack`
 * forces a new synthesis, which re-runs aws-cdk-lib's aspects (the ECS cluster's capacity-provider
 * association aspect then fails); `Template.fromStack` reuses the synthesized assembly.
 */
function synth(props: Partial<EcsCiCdPipelineProps> = {}, inStack?: (stack: Stack) => Partial<EcsCiCdPipelineProps>): Synth {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const pipeline = new EcsCiCdPipeline(stack, 'Pipeline', {
    source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN }),
    ...props,
    ...inStack?.(stack),
  });
  const annotations = Annotations.fromStack(stack);
  return { stack, pipeline, annotations, template: Template.fromStack(stack) };
}

/** The Stages of the only pipeline in the template. */
function stagesOf(template: Template): any[] {
  const pipelines = Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'));
  expect(pipelines).toHaveLength(1);
  return pipelines[0].Properties.Stages;
}

function stageNamed(template: Template, name: string): any {
  const stage = stagesOf(template).find(s => s.Name === name);
  if (!stage) { throw new Error(`no stage ${name}`); }
  return stage;
}

/** Every action of every stage, with its stage name. */
function allActions(template: Template): { stage: string; action: any }[] {
  return stagesOf(template).flatMap(s => s.Actions.map((action: any) => ({ stage: s.Name, action })));
}

/** Statements of every AWS::IAM::Policy attached to `role`. */
function roleStatements(s: Synth, role: iam.IRole): any[] {
  const roleRef = s.stack.resolve(role.roleName);
  const policies = s.template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([roleRef]) } });
  return Object.values<any>(policies).flatMap(p => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (statement: any): string[] => [statement.Action ?? statement.NotAction].flat();
const resourcesOf = (statement: any): any[] => [statement.Resource ?? statement.NotResource].flat();
const logicalId = (stack: Stack, construct: { node: { defaultChild?: any } }): string =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** The (ordered) deploy actions the pipeline must have for `envs`, pointing at each environment's deployment group. */
function expectedDeployStage(stack: Stack, env: BlueGreenFargateService, artifact: string): object {
  return Match.objectLike({
    Name: `Deploy-${env.environmentName}`,
    Actions: Match.arrayWith([Match.objectLike({
      Name: 'Deploy',
      RunOrder: 2,
      ActionTypeId: { Category: 'Deploy', Owner: 'AWS', Provider: 'CodeDeployToECS', Version: '1' },
      InputArtifacts: [{ Name: artifact }],
      Configuration: {
        ApplicationName: stack.resolve(env.application.applicationName),
        DeploymentGroupName: stack.resolve(env.deploymentGroup.deploymentGroupName),
        TaskDefinitionTemplateArtifact: artifact,
        TaskDefinitionTemplatePath: `taskdef-${env.environmentName}.json`,
        AppSpecTemplateArtifact: artifact,
        AppSpecTemplatePath: `appspec-${env.environmentName}.yaml`,
        Image1ArtifactName: artifact,
        Image1ContainerName: 'IMAGE1_NAME',
      },
    })]),
  });
}

// ---------------------------------------------------------------------------
// The default pipeline (no environments prop): one synth shared by read-only assertions
// ---------------------------------------------------------------------------

describe('EcsCiCdPipeline with the default environments', () => {
  let s: Synth;
  let stack: Stack;
  let pipeline: EcsCiCdPipeline;
  let template: Template;
  beforeAll(() => {
    // GIVEN a connection source and nothing else
    // WHEN the pipeline is synthesized
    s = synth();
    ({ stack, pipeline, template } = s);
  });

  describe('stages', () => {
    it('runs Source, Build, Deploy-dev, Deploy-staging, Deploy-prod in that order', () => {
      // THEN (on the synthesis of beforeAll)
      expect(stagesOf(template).map(st => st.Name)).toEqual(['Source', 'Build', 'Deploy-dev', 'Deploy-staging', 'Deploy-prod']);
    });

    it('builds once: one CodeBuild action from the Source artifact to the single DeployArtifacts artifact', () => {
      // THEN (on the synthesis of beforeAll)
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
        Stages: Match.arrayWith([{
          Name: 'Build',
          Actions: [Match.objectLike({
            Name: 'BuildScanAndRender',
            ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
            InputArtifacts: [{ Name: 'Source' }],
            OutputArtifacts: [{ Name: 'DeployArtifacts' }],
            Configuration: Match.objectLike({ ProjectName: stack.resolve(pipeline.imageBuild.project.projectName) }),
          })],
        }]),
      });
    });

    it('deploys the build\'s one output artifact (the same digest) to every environment through its own deployment group', () => {
      // THEN every Deploy-<env> stage deploys DeployArtifacts with taskdef-<env>.json / appspec-<env>.yaml
      const buildOutput = new Capture();
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
        Stages: Match.arrayWith([Match.objectLike({ Name: 'Build', Actions: [Match.objectLike({ OutputArtifacts: [{ Name: buildOutput }] })] })]),
      });
      expect(buildOutput.asString()).toBe('DeployArtifacts');
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
        Stages: Match.arrayWith(pipeline.environments.map(env => expectedDeployStage(stack, env, buildOutput.asString()))),
      });
    });

    it('has exactly one CodeDeployToECS action per environment, in its own stage', () => {
      // THEN (on the synthesis of beforeAll)
      const deploys = allActions(template).filter(a => a.action.ActionTypeId.Provider === 'CodeDeployToECS');
      expect(deploys.map(d => `${d.stage}/${d.action.Name}`)).toEqual(['Deploy-dev/Deploy', 'Deploy-staging/Deploy', 'Deploy-prod/Deploy']);
      // Three distinct deployment groups, one per environment.
      expect(new Set(deploys.map(d => JSON.stringify(d.action.Configuration.DeploymentGroupName))).size).toBe(3);
      template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 3);
    });
  });

  describe('approval', () => {
    it('waits for a Manual approval (runOrder 1) only in Deploy-prod, before the deployment (runOrder 2)', () => {
      // THEN Deploy-prod = [Approve, Deploy], notifying the approval topic
      expect(pipeline.approvalTopic).toBeDefined();
      const prod = stageNamed(template, 'Deploy-prod');
      // (then the image production now runs is tagged, test/image-tagging.test.ts)
      expect(prod.Actions.map((a: any) => [a.Name, a.RunOrder])).toEqual([['Approve', 1], ['Deploy', 2], ['TagDeployedImage', 3]]);
      expect(prod.Actions[0]).toEqual(expect.objectContaining({
        ActionTypeId: { Category: 'Approval', Owner: 'AWS', Provider: 'Manual', Version: '1' },
        Configuration: expect.objectContaining({
          NotificationArn: stack.resolve(pipeline.approvalTopic!.topicArn),
          CustomData: 'Promote the build verified in staging to prod.',
          ExternalEntityLink: stack.resolve(pipeline.environments[1].url),
        }),
      }));
      const approvals = allActions(template).filter(a => a.action.ActionTypeId.Category === 'Approval');
      expect(approvals.map(a => a.stage)).toEqual(['Deploy-prod']);
    });

    it('creates the approval topic, encrypted, without subscriptions, and warns about nothing', () => {
      // THEN (on the synthesis of beforeAll)
      template.resourceCountIs('AWS::SNS::Topic', 2);
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      s.annotations.hasNoWarning('*', Match.stringLikeRegexp('approval'));
    });
  });

  describe('pipeline', () => {
    it('is a V2 pipeline started by a push trigger on main, with a source action that does not detect changes itself', () => {
      // THEN (on the synthesis of beforeAll)
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
        PipelineType: 'V2',
        RestartExecutionOnUpdate: false,
        Triggers: [{
          ProviderType: 'CodeStarSourceConnection',
          GitConfiguration: { SourceActionName: 'Source', Push: [{ Branches: { Includes: ['main'] } }] },
        }],
        Stages: Match.arrayWith([{
          Name: 'Source',
          Actions: [Match.objectLike({
            Name: 'Source',
            ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeStarSourceConnection', Version: '1' },
            Configuration: { ConnectionArn: CONNECTION_ARN, FullRepositoryId: 'acme/shop', BranchName: 'main', DetectChanges: false },
            OutputArtifacts: [{ Name: 'Source' }],
          })],
        }]),
      });
    });

    it('passes the source commit id to the build as SOURCE_REVISION', () => {
      // THEN the build action's only environment variable is #{<source namespace>.CommitId}
      const namespace = new Capture();
      const environmentVariables = new Capture();
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
        Stages: Match.arrayWith([
          Match.objectLike({ Name: 'Source', Actions: [Match.objectLike({ Name: 'Source', Namespace: namespace })] }),
          Match.objectLike({ Name: 'Build', Actions: [Match.objectLike({ Configuration: Match.objectLike({ EnvironmentVariables: environmentVariables }) })] }),
        ]),
      });
      expect(namespace.asString()).toMatch(/^Source_Source_NS$/);
      expect(JSON.parse(environmentVariables.asString())).toEqual([
        { name: 'SOURCE_REVISION', type: 'PLAINTEXT', value: `#{${namespace.asString()}.CommitId}` },
      ]);
    });

    it('stores artifacts in a KMS-encrypted (construct key), versioned, private, retained bucket', () => {
      // THEN (on the synthesis of beforeAll)
      const keyArn = stack.resolve(pipeline.encryptionKey.keyArn);
      template.resourceCountIs('AWS::S3::Bucket', 1);
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
            }],
          },
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
          },
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
        ArtifactStore: { Type: 'S3', Location: stack.resolve(pipeline.artifactBucket.bucketName), EncryptionKey: { Type: 'KMS', Id: keyArn } },
      });
    });

    it('denies non-TLS access to the artifact bucket', () => {
      // THEN (on the synthesis of beforeAll)
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: stack.resolve(pipeline.artifactBucket.bucketName),
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [
              stack.resolve(pipeline.artifactBucket.bucketArn),
              { 'Fn::Join': ['', [stack.resolve(pipeline.artifactBucket.bucketArn), '/*']] },
            ],
          })]),
        },
      });
    });

    it('uses one retained KMS key with rotation enabled', () => {
      // THEN (on the synthesis of beforeAll)
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({ EnableKeyRotation: true }),
        DeletionPolicy: 'Retain',
      });
    });
  });

  describe('notifications', () => {
    it('notifies the notification topic when an execution fails or succeeds', () => {
      // THEN (on the synthesis of beforeAll)
      template.resourceCountIs('AWS::CodeStarNotifications::NotificationRule', 1);
      template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
        EventTypeIds: [
          'codepipeline-pipeline-pipeline-execution-failed',
          'codepipeline-pipeline-pipeline-execution-succeeded',
        ],
        Resource: { 'Fn::Join': ['', Match.arrayWith([stack.resolve(pipeline.pipeline.pipelineName)])] },
        Targets: [{ TargetType: 'SNS', TargetAddress: stack.resolve(pipeline.notificationTopic.topicArn) }],
      });
    });

    it('encrypts both topics with the construct key and denies publishing without TLS', () => {
      // THEN (on the synthesis of beforeAll)
      const keyArn = stack.resolve(pipeline.encryptionKey.keyArn);
      for (const topic of [pipeline.notificationTopic, pipeline.approvalTopic!]) {
        const ref = stack.resolve(topic.topicArn);
        expect(template.findResources('AWS::SNS::Topic')[ref.Ref].Properties.KmsMasterKeyId).toEqual(keyArn);
        template.hasResourceProperties('AWS::SNS::TopicPolicy', {
          Topics: [ref],
          PolicyDocument: {
            Statement: Match.arrayWith([Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Principal: '*',
              Resource: ref,
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            })]),
          },
        });
      }
    });

    it('lets AWS CodeStar Notifications use the key of the encrypted notification topic', () => {
      // THEN (on the synthesis of beforeAll)
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'codestar-notifications.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt']),
          })]),
        },
      });
    });
  });

  describe('repository', () => {
    it('creates a retained ECR repository: scan on push, immutable tags, AES256', () => {
      // THEN (on the synthesis of beforeAll)
      template.resourceCountIs('AWS::ECR::Repository', 1);
      template.hasResource('AWS::ECR::Repository', {
        Properties: Match.objectLike({
          ImageScanningConfiguration: { ScanOnPush: true },
          ImageTagMutability: 'IMMUTABLE',
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      // AES256 is ECR's default encryption: aws-cdk-lib writes no EncryptionConfiguration (or AES256) for it.
      const repository = Object.values<any>(template.findResources('AWS::ECR::Repository'))[0];
      expect([undefined, 'AES256']).toContain(repository.Properties.EncryptionConfiguration?.EncryptionType);
      expect(repository.Properties.EncryptionConfiguration?.KmsKey).toBeUndefined();
    });

    it('expires untagged images after 14 days and keeps the last 30 images', () => {
      // THEN (on the synthesis of beforeAll)
      const text = new Capture();
      template.hasResourceProperties('AWS::ECR::Repository', { LifecyclePolicy: { LifecyclePolicyText: text } });
      const rules = JSON.parse(text.asString()).rules;
      // (and the images deployed to prod: test/image-tagging.test.ts)
      expect(rules).toHaveLength(3);
      expect(rules).toContainEqual(expect.objectContaining({
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
        action: { type: 'expire' },
      }));
      expect(rules).toContainEqual(expect.objectContaining({
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
        action: { type: 'expire' },
      }));
      // ECR requires the 'any' rule to have the highest priority number.
      const any = rules.find((r: any) => r.selection.tagStatus === 'any');
      expect(Math.max(...rules.map((r: any) => r.rulePriority))).toBe(any.rulePriority);
    });

    it('pushes to the created repository', () => {
      // THEN (on the synthesis of beforeAll)
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Environment: Match.objectLike({
          EnvironmentVariables: Match.arrayWith([
            { Name: 'REPOSITORY_URI', Type: 'PLAINTEXT', Value: stack.resolve(pipeline.repository.repositoryUri) },
            { Name: 'REPOSITORY_NAME', Type: 'PLAINTEXT', Value: stack.resolve(pipeline.repository.repositoryName) },
          ]),
        }),
      });
      expect(pipeline.imageBuild.repository).toBe(pipeline.repository);
    });
  });

  describe('environments', () => {
    it('exposes one BlueGreenFargateService per environment, in order, prod marked production', () => {
      // THEN (on the synthesis of beforeAll)
      expect(pipeline.environments.map(e => [e.environmentName, e.production])).toEqual([['dev', false], ['staging', false], ['prod', true]]);
      expect(pipeline.environments.every(e => e instanceof BlueGreenFargateService)).toBe(true);
      template.resourceCountIs('AWS::ECS::Service', 3);
      template.resourceCountIs('AWS::ECS::Cluster', 3);
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 3);
    });

    it('runs production on FARGATE only, with 2 tasks and a 5 minute termination wait', () => {
      // THEN (on the synthesis of beforeAll): 2 tasks through the scalable target, none in the service
      const prod = pipeline.environments[2];
      const cluster = stack.resolve(prod.cluster.clusterName);
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        ResourceId: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([stack.resolve(prod.service.serviceName)])] }),
        MinCapacity: 2,
      });
      template.hasResourceProperties('AWS::ECS::Service', {
        Cluster: cluster,
        DesiredCount: Match.absent(),
        CapacityProviderStrategy: Match.exact([{ CapacityProvider: 'FARGATE', Weight: 1 }]),
        DeploymentController: { Type: 'CODE_DEPLOY' },
      });
      template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
        Cluster: cluster,
        DefaultCapacityProviderStrategy: Match.exact([{ CapacityProvider: 'FARGATE', Weight: 1 }]),
      });
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        ECSServices: [{ ClusterName: cluster, ServiceName: stack.resolve(prod.service.serviceName) }],
        BlueGreenDeploymentConfiguration: Match.objectLike({
          TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: 5 },
        }),
      });
    });

    it.each([['dev', 0], ['staging', 1]])('runs %s as non-production: 1 task, FARGATE_SPOT mix, a 4 minute termination wait', (_name, index) => {
      // THEN (on the synthesis of beforeAll)
      const env = pipeline.environments[index];
      const cluster = stack.resolve(env.cluster.clusterName);
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        ResourceId: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([stack.resolve(env.service.serviceName)])] }),
        MinCapacity: 1,
      });
      template.hasResourceProperties('AWS::ECS::Service', {
        Cluster: cluster,
        DesiredCount: Match.absent(),
        CapacityProviderStrategy: Match.exact([
          { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
          { CapacityProvider: 'FARGATE_SPOT', Weight: 4 },
        ]),
      });
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        ECSServices: [{ ClusterName: cluster, ServiceName: stack.resolve(env.service.serviceName) }],
        BlueGreenDeploymentConfiguration: Match.objectLike({
          TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: 4 },
        }),
      });
    });

    it('shares one VPC between the three environments', () => {
      // THEN (on the synthesis of beforeAll)
      template.resourceCountIs('AWS::EC2::VPC', 1);
      const vpc = pipeline.environments[0].vpc;
      expect(pipeline.environments.every(e => e.vpc === vpc)).toBe(true);
    });

    it('creates no integration-test project or action without integrationTestCommands', () => {
      // THEN (on the synthesis of beforeAll)
      // the image build and the tagging of production's images
      template.resourceCountIs('AWS::CodeBuild::Project', 2);
      expect(pipeline.integrationTests).toEqual({});
      expect(allActions(template).filter(a => a.action.Name === 'IntegrationTests')).toEqual([]);
    });

    it('lets every environment\'s task execution role pull the built image from the repository', () => {
      // THEN each execution role can get an ECR token and pull layers/images of this repository
      // (CodeDeploy starts the new task set with the environment's execution role and <repo>@sha256 image).
      const repositoryArn = stack.resolve(pipeline.repository.repositoryArn);
      const missing: string[] = [];
      for (const env of pipeline.environments) {
        const statements = roleStatements(s, env.taskDefinition.executionRole!);
        const allows = (action: string, resource: any) => statements.some(st =>
          st.Effect === 'Allow' && actionsOf(st).includes(action) && resourcesOf(st).some(r => JSON.stringify(r) === JSON.stringify(resource)));
        for (const [action, resource] of [
          ['ecr:GetAuthorizationToken', '*'],
          ['ecr:BatchCheckLayerAvailability', repositoryArn],
          ['ecr:GetDownloadUrlForLayer', repositoryArn],
          ['ecr:BatchGetImage', repositoryArn],
        ] as const) {
          if (!allows(action, resource)) { missing.push(`${env.environmentName}: ${action} on ${JSON.stringify(resource)}`); }
        }
      }
      expect(missing).toEqual([]);
    });
  });

  describe('least privilege of the image build', () => {
    let statements: any[];
    let repositoryArn: any;
    beforeAll(() => {
      statements = roleStatements(s, pipeline.imageBuild.project.role!);
      repositoryArn = stack.resolve(pipeline.repository.repositoryArn);
    });

    it('has no ECR wildcard action and no ECR action on Resource \'*\' but the two registry-level ones', () => {
      // THEN (on the synthesis of beforeAll)
      const ecrActions = statements.flatMap(actionsOf).filter(a => a.startsWith('ecr:'));
      expect(ecrActions).not.toContain('ecr:*');
      expect(ecrActions.filter(a => a.includes('*'))).toEqual([]);
      const ecrOnStar = statements
        .filter(st => resourcesOf(st).includes('*'))
        .flatMap(actionsOf)
        .filter(a => a.startsWith('ecr:'));
      expect(ecrOnStar.sort()).toEqual(['ecr:GetAuthorizationToken', 'ecr:GetRegistryScanningConfiguration']);
    });

    it('pushes, pulls and reads scan results on the repository ARN only', () => {
      // THEN (on the synthesis of beforeAll)
      for (const action of [
        'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage',
        'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage',
        'ecr:DescribeImages', 'ecr:DescribeImageScanFindings',
      ]) {
        const resources = statements.filter(st => actionsOf(st).includes(action)).flatMap(resourcesOf);
        expect({ action, resources }).toEqual({ action, resources: [repositoryArn] });
      }
      // Every other ECR action is on the repository too.
      const elsewhere = statements
        .filter(st => actionsOf(st).some(a => a.startsWith('ecr:') && !['ecr:GetAuthorizationToken', 'ecr:GetRegistryScanningConfiguration'].includes(a)))
        .filter(st => JSON.stringify(resourcesOf(st)) !== JSON.stringify([repositoryArn]));
      expect(elsewhere).toEqual([]);
    });

    it('has ecs:DescribeTaskDefinition as its only ECS action, and no IAM action', () => {
      // THEN (on the synthesis of beforeAll)
      const all = statements.flatMap(actionsOf);
      expect(all.filter(a => a.startsWith('ecs:'))).toEqual(['ecs:DescribeTaskDefinition']);
      expect(all.filter(a => a.startsWith('iam:'))).toEqual([]);
    });

    it('runs privileged on x86 standard:7.0 with the local Docker layer cache, encrypted with the construct key', () => {
      // THEN (on the synthesis of beforeAll)
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Environment: Match.objectLike({ Type: 'LINUX_CONTAINER', Image: 'aws/codebuild/standard:7.0', PrivilegedMode: true }),
        Cache: { Type: 'LOCAL', Modes: ['LOCAL_DOCKER_LAYER_CACHE'] },
        EncryptionKey: stack.resolve(pipeline.encryptionKey.keyArn),
        TimeoutInMinutes: 60,
        ServiceRole: stack.resolve(pipeline.imageBuild.project.role!.roleArn),
      });
    });
  });
});

// ---------------------------------------------------------------------------
// Custom environments, integration tests, e-mails, branch
// ---------------------------------------------------------------------------

describe('EcsCiCdPipeline with a custom environment list', () => {
  const COMMANDS = ['curl -fsS "$SERVICE_URL/health"', 'npm run e2e'];
  let s: Synth;
  let stack: Stack;
  let pipeline: EcsCiCdPipeline;
  let template: Template;
  beforeAll(() => {
    // GIVEN qa -> staging (integration tests) -> live (approval e-mail), notification e-mails, branch release/v2
    // WHEN the pipeline is synthesized
    s = synth({
      source: PipelineSource.connection({ owner: 'acme', repo: 'shop', branch: 'release/v2', connectionArn: CONNECTION_ARN }),
      environments: [
        { name: 'qa' },
        { name: 'staging', integrationTestCommands: COMMANDS },
        { name: 'live', production: true, approvalEmails: ['ops@acme.example'] },
      ],
      notificationEmails: ['platform@acme.example', 'dev@acme.example'],
    });
    ({ stack, pipeline, template } = s);
  });

  it('runs Source, Build, Deploy-qa, Deploy-staging, Deploy-live in that order', () => {
    // THEN (on the synthesis of beforeAll)
    expect(stagesOf(template).map(st => st.Name)).toEqual(['Source', 'Build', 'Deploy-qa', 'Deploy-staging', 'Deploy-live']);
    expect(pipeline.environments.map(e => [e.environmentName, e.production])).toEqual([['qa', false], ['staging', false], ['live', true]]);
  });

  it('deploys the same DeployArtifacts to each environment\'s deployment group', () => {
    // THEN (on the synthesis of beforeAll)
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith(pipeline.environments.map(env => expectedDeployStage(stack, env, 'DeployArtifacts'))),
    });
    const deploys = allActions(template).filter(a => a.action.ActionTypeId.Provider === 'CodeDeployToECS');
    expect(deploys.map(d => d.stage)).toEqual(['Deploy-qa', 'Deploy-staging', 'Deploy-live']);
  });

  it('approves only before the last environment', () => {
    // THEN (on the synthesis of beforeAll)
    const approvals = allActions(template).filter(a => a.action.ActionTypeId.Category === 'Approval');
    expect(approvals.map(a => [a.stage, a.action.RunOrder])).toEqual([['Deploy-live', 1]]);
  });

  it('triggers on the given branch', () => {
    // THEN (on the synthesis of beforeAll)
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Triggers: [Match.objectLike({ GitConfiguration: Match.objectLike({ Push: [{ Branches: { Includes: ['release/v2'] } }] }) })],
      Stages: Match.arrayWith([Match.objectLike({
        Name: 'Source',
        Actions: [Match.objectLike({ Configuration: Match.objectLike({ BranchName: 'release/v2', DetectChanges: false }) })],
      })]),
    });
  });

  it('subscribes approvalEmails to the approval topic and notificationEmails to the notification topic', () => {
    // THEN (on the synthesis of beforeAll)
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email', Endpoint: 'ops@acme.example', TopicArn: stack.resolve(pipeline.approvalTopic!.topicArn),
    });
    for (const email of ['platform@acme.example', 'dev@acme.example']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email', Endpoint: email, TopicArn: stack.resolve(pipeline.notificationTopic.topicArn),
      });
    }
  });

  describe('integration tests on staging', () => {
    it('run in a CodeBuild project inside staging\'s VPC; the action sets SERVICE_URL = staging\'s production URL', () => {
      // THEN (on the synthesis of beforeAll)
      const staging = pipeline.environments[1];
      expect(Object.keys(pipeline.integrationTests)).toEqual(['staging']);
      const project = pipeline.integrationTests.staging;
      const projectId = logicalId(stack, project as any);
      const props = template.toJSON().Resources[projectId].Properties;
      expect(props.VpcConfig).toEqual({
        VpcId: stack.resolve(staging.vpc.vpcId),
        Subnets: stack.resolve(staging.vpc.privateSubnets.map(sn => sn.subnetId)),
        SecurityGroupIds: expect.any(Array),
      });
      expect(props.EncryptionKey).toEqual(stack.resolve(pipeline.encryptionKey.keyArn));
      // The action's environment variables (a JSON string with tokens) carry the URL of staging's load balancer.
      const action = allActions(template).find(a => a.action.Name === 'IntegrationTests')!.action;
      const variables = JSON.stringify(action.Configuration.EnvironmentVariables);
      expect(variables).toContain('SERVICE_URL');
      expect(variables).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, staging.loadBalancer), 'DNSName'] }));
      expect(variables).toMatch(/ENVIRONMENT_NAME.*staging/);
    });

    it('run the given commands, each only for its environment', () => {
      // THEN (on the synthesis of beforeAll)
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        VpcConfig: Match.anyValue(),
        Source: Match.objectLike({
          BuildSpec: Match.serializedJson(Match.objectLike({
            phases: { build: { commands: Match.arrayWith(COMMANDS.map(c => `if [ "$ENVIRONMENT_NAME" = 'staging' ]; then\n${c}\nfi`)) } },
          })),
        }),
      });
    });

    it('exist only for staging: one project in a VPC besides the image build', () => {
      // THEN (on the synthesis of beforeAll)
      // (plus the tagging of production's images)
      template.resourceCountIs('AWS::CodeBuild::Project', 3);
      const inVpc = Object.values<any>(template.findResources('AWS::CodeBuild::Project')).filter(p => p.Properties.VpcConfig);
      expect(inVpc).toHaveLength(1);
    });

    it('run as action IntegrationTests (runOrder 3) in Deploy-staging on the Source artifact, after the deployment', () => {
      // THEN (on the synthesis of beforeAll)
      const tests = allActions(template).filter(a => a.action.Name === 'IntegrationTests');
      expect(tests.map(a => a.stage)).toEqual(['Deploy-staging']);
      expect(tests[0].action).toEqual(expect.objectContaining({
        RunOrder: 3,
        ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
        InputArtifacts: [{ Name: 'Source' }],
        Configuration: expect.objectContaining({ ProjectName: stack.resolve(pipeline.integrationTests.staging.projectName) }),
      }));
      expect(stageNamed(template, 'Deploy-staging').Actions.map((a: any) => [a.Name, a.RunOrder])).toEqual([['Deploy', 2], ['IntegrationTests', 3]]);
    });
  });
});

// ---------------------------------------------------------------------------
// Approval variants
// ---------------------------------------------------------------------------

describe('EcsCiCdPipeline approval variants', () => {
  it('with requireApproval: false on the last environment: no approval, no approval topic, a warning', () => {
    // GIVEN dev -> prod without approval
    const { stack, pipeline, template, annotations } = synth({ environments: [{ name: 'dev' }, { name: 'prod', production: true, requireApproval: false }] });
    // THEN
    expect(allActions(template).filter(a => a.action.ActionTypeId.Category === 'Approval')).toEqual([]);
    expect(pipeline.approvalTopic).toBeUndefined();
    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(Object.keys(template.findResources('AWS::SNS::Topic'))).toEqual([stack.resolve(pipeline.notificationTopic.topicArn).Ref]);
    annotations.hasWarning('/Test/Pipeline', Match.stringLikeRegexp('no environment requires approval'));
  });

  it('with requireApproval: true on the first environment: an approval before it, with a warning', () => {
    // GIVEN dev (approval) -> prod (default approval)
    const { stack, pipeline, template, annotations } = synth({ environments: [{ name: 'dev', requireApproval: true }, { name: 'prod', production: true }] });
    // THEN both stages start with an approval; the first one is flagged
    const approvals = allActions(template).filter(a => a.action.ActionTypeId.Category === 'Approval');
    expect(approvals.map(a => [a.stage, a.action.RunOrder])).toEqual([['Deploy-dev', 1], ['Deploy-prod', 1]]);
    expect(approvals[0].action.Configuration).toEqual(expect.objectContaining({
      NotificationArn: stack.resolve(pipeline.approvalTopic!.topicArn),
      CustomData: 'Deploy to dev.',
    }));
    expect(stageNamed(template, 'Deploy-dev').Actions.map((a: any) => [a.Name, a.RunOrder])).toEqual([['Approve', 1], ['Deploy', 2]]);
    annotations.hasWarning('/Test/Pipeline', Match.stringLikeRegexp('environments\\[0\\]\\.requireApproval'));
    annotations.hasNoWarning('/Test/Pipeline', Match.stringLikeRegexp('no environment requires approval'));
  });

  it('with a single environment: no approval, no approval topic, no warning; the environment is production', () => {
    // GIVEN only prod
    const { pipeline, template, annotations } = synth({ environments: [{ name: 'prod' }] });
    // THEN
    expect(stagesOf(template).map(st => st.Name)).toEqual(['Source', 'Build', 'Deploy-prod']);
    expect(allActions(template).filter(a => a.action.ActionTypeId.Category === 'Approval')).toEqual([]);
    expect(pipeline.approvalTopic).toBeUndefined();
    template.resourceCountIs('AWS::SNS::Topic', 1);
    annotations.hasNoWarning('*', Match.stringLikeRegexp('approval'));
    expect(pipeline.environments.map(e => e.production)).toEqual([true]);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2 });
  });
});

describe('production is marked, never inferred from the order', () => {
  it('the default environments mark prod explicitly', () => {
    // GIVEN / WHEN the defaults are spelled out
    const { pipeline } = synth({ environments: [{ name: 'dev' }, { name: 'staging' }, { name: 'prod', production: true }] });
    const defaults = synth();
    // THEN they are the same three environments with the same production flags
    expect(defaults.pipeline.environments.map(e => [e.environmentName, e.production]))
      .toEqual(pipeline.environments.map(e => [e.environmentName, e.production]));
  });

  it('appending dr after prod leaves prod\'s approval, FARGATE-only capacity, 2 tasks and 5 minute wait alone', () => {
    // GIVEN a pipeline whose prod is marked, then a dr environment appended after it
    const { stack, pipeline, template } = synth({ environments: [{ name: 'dev' }, { name: 'prod', production: true }, { name: 'dr' }] });
    const [, prod, dr] = pipeline.environments;
    // THEN prod keeps everything production gets; dr is a non-production environment without approval
    expect(pipeline.environments.map(e => [e.environmentName, e.production])).toEqual([['dev', false], ['prod', true], ['dr', false]]);
    const approvals = allActions(template).filter(a => a.action.ActionTypeId.Category === 'Approval');
    expect(approvals.map(a => a.stage)).toEqual(['Deploy-prod']);
    template.hasResourceProperties('AWS::ECS::Service', {
      Cluster: stack.resolve(prod.cluster.clusterName),
      CapacityProviderStrategy: Match.exact([{ CapacityProvider: 'FARGATE', Weight: 1 }]),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ResourceId: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([stack.resolve(prod.service.serviceName)])] }),
      MinCapacity: 2,
    });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      ECSServices: [{ ClusterName: stack.resolve(prod.cluster.clusterName), ServiceName: stack.resolve(prod.service.serviceName) }],
      BlueGreenDeploymentConfiguration: Match.objectLike({ TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: 5 } }),
    });
    expect(dr.capacityProviderStrategies.map(c => c.capacityProvider)).toEqual(['FARGATE', 'FARGATE_SPOT']);
  });

  it('approves before every production environment but the first, by default', () => {
    // GIVEN two production regions after staging
    const { template } = synth({
      environments: [{ name: 'staging' }, { name: 'prod-eu', production: true }, { name: 'prod-us', production: true }],
    });
    // THEN
    const approvals = allActions(template).filter(a => a.action.ActionTypeId.Category === 'Approval');
    expect(approvals.map(a => a.stage)).toEqual(['Deploy-prod-eu', 'Deploy-prod-us']);
  });

  it('with production: false everywhere: no production, no approval, a warning', () => {
    const { pipeline, annotations } = synth({ environments: [{ name: 'dev', production: false }, { name: 'qa', production: false }] });
    expect(pipeline.environments.map(e => e.production)).toEqual([false, false]);
    expect(pipeline.approvalTopic).toBeUndefined();
    annotations.hasWarning('/Test/Pipeline', Match.stringLikeRegexp('no environment requires approval'));
  });

  it('uses domainName in the integration tests\' SERVICE_URL and the approval link', () => {
    // GIVEN staging and prod on their own names
    const { template } = synth({
      environments: [
        { name: 'staging', domainName: 'staging.shop.acme.example', integrationTestCommands: ['curl -fsS "$SERVICE_URL/health"'] },
        { name: 'prod', production: true, domainName: 'shop.acme.example' },
      ],
    });
    // THEN
    const tests = allActions(template).find(a => a.stage === 'Deploy-staging' && a.action.Name === 'IntegrationTests')!;
    expect(JSON.parse(tests.action.Configuration.EnvironmentVariables)).toEqual(expect.arrayContaining([
      { name: 'SERVICE_URL', type: 'PLAINTEXT', value: 'http://staging.shop.acme.example' },
    ]));
    const approval = allActions(template).find(a => a.stage === 'Deploy-prod' && a.action.Name === 'Approve')!;
    expect(approval.action.Configuration.ExternalEntityLink).toBe('http://staging.shop.acme.example');
  });
});

// ---------------------------------------------------------------------------
// Repository, removal policy and architecture options
// ---------------------------------------------------------------------------

describe('EcsCiCdPipeline options', () => {
  it('with KMS repository encryption, imageRetentionCount 50, RemovalPolicy.DESTROY and ARM64', () => {
    // GIVEN the options on a one-environment pipeline
    const { stack, pipeline, template } = synth({
      environments: [{ name: 'dev' }],
      repositoryEncryption: ecr.RepositoryEncryption.KMS,
      imageRetentionCount: 50,
      removalPolicy: RemovalPolicy.DESTROY,
      cpuArchitecture: ecs.CpuArchitecture.ARM64,
    });
    // THEN the repository uses KMS (AWS managed key) and keeps 50 images
    const text = new Capture();
    template.hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS' },
      LifecyclePolicy: { LifecyclePolicyText: text },
    });
    expect(JSON.parse(text.asString()).rules).toContainEqual(expect.objectContaining({
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 50 },
    }));
    // AND the repository, bucket and key are deleted with the stack
    template.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    // AND the image is built on ARM for an ARM task definition
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ Type: 'ARM_CONTAINER', Image: 'aws/codebuild/amazonlinux2-aarch64-standard:3.0', PrivilegedMode: true }),
      EncryptionKey: stack.resolve(pipeline.encryptionKey.keyArn),
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  it('with an existing repository: creates none and pushes there', () => {
    // GIVEN an imported repository
    let existing: ecr.IRepository | undefined;
    const s = synth({ environments: [{ name: 'dev' }] }, stack => ({
      repository: existing = ecr.Repository.fromRepositoryName(stack, 'Existing', 'shop'),
    }));
    // THEN no repository resource, the build pushes to 'shop'
    s.template.resourceCountIs('AWS::ECR::Repository', 0);
    expect(s.pipeline.repository).toBe(existing);
    s.template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({
        EnvironmentVariables: Match.arrayWith([{ Name: 'REPOSITORY_NAME', Type: 'PLAINTEXT', Value: 'shop' }]),
      }),
    });
    const arn = s.stack.resolve(existing!.repositoryArn);
    const statements = roleStatements(s, s.pipeline.imageBuild.project.role!);
    expect(statements.filter(st => actionsOf(st).includes('ecr:PutImage')).flatMap(resourcesOf)).toEqual([arn]);
  });

  it.each([
    ['imageRetentionCount', { imageRetentionCount: 10 }],
    ['repositoryEncryption', { repositoryEncryption: ecr.RepositoryEncryption.KMS }],
  ])('rejects %s combined with an existing repository', (_name, extra) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    const stack = new Stack(new App(), 'Test');
    expect(() => new EcsCiCdPipeline(stack, 'Pipeline', {
      source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN }),
      repository: ecr.Repository.fromRepositoryName(stack, 'Existing', 'shop'),
      ...extra,
    })).toThrow(/cannot be combined with repository/);
  });

  it.each<[string, Partial<EcsCiCdPipelineProps>, RegExp]>([
    ['no environments', { environments: [] }, /^environments \(\[\]\)/],
    ['a duplicate environment name', { environments: [{ name: 'dev' }, { name: 'DEV' }] }, /^environments\[1\]\.name \('DEV'\) duplicates environments\[0\]\.name/],
    ['an invalid environment name', { environments: [{ name: 'dev_1' }] }, /^environments\[0\]\.name \('dev_1'\)/],
    ['approvalEmails without an approval', { environments: [{ name: 'dev', approvalEmails: ['a@b.example'] }, { name: 'prod' }] }, /^environments\[0\]\.approvalEmails/],
    ['an invalid approval e-mail', { environments: [{ name: 'dev' }, { name: 'prod', approvalEmails: ['ops'] }] }, /^environments\[1\]\.approvalEmails\[0\] \('ops'\)/],
    ['an invalid notification e-mail', { notificationEmails: ['not an email'] }, /^notificationEmails\[0\]/],
    ['imageRetentionCount 0', { imageRetentionCount: 0 }, /^imageRetentionCount \(0\)/],
    ['an empty integration test command', { environments: [{ name: 'dev', integrationTestCommands: [''] }] }, /^environments\[0\]\.integrationTestCommands\[0\]/],
  ])('rejects %s, naming the prop', (_what, props, message) => {
    // GIVEN the invalid value / WHEN constructing / THEN the error names the prop
    const stack = new Stack(new App(), 'Test');
    expect(() => new EcsCiCdPipeline(stack, 'Pipeline', {
      source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN }),
      ...props,
    })).toThrow(message);
  });
});

// ---------------------------------------------------------------------------
// The example app: IAM wildcard inventory and cdk-nag
// ---------------------------------------------------------------------------

/** Makes a logical id / rendered resource comparable across changes: no 'Shop' prefix, no hash, `<env>` for environment names. */
function normalise(value: string): string {
  return value
    .replace(/[0-9A-F]{8}(?=[^0-9A-Za-z]|$)/g, '')
    .replace(/(dev|staging|prod)(?=[A-Z}.>]|$)/g, '<env>')
    .replace(/(^|[{<])Shop(?=[A-Z])/g, '$1');
}

const S3_OBJECT_READ = 's3:GetBucket*,s3:GetObject*,s3:List*';
const S3_OBJECT_READ_WRITE = 's3:Abort*,s3:DeleteObject*,s3:GetBucket*,s3:GetObject*,s3:List*,s3:PutObject,s3:PutObjectLegalHold,s3:PutObjectRetention,s3:PutObjectTagging,s3:PutObjectVersionTagging';
const CODEBUILD_REPORTS = 'codebuild:BatchPutCodeCoverages,codebuild:BatchPutTestCases,codebuild:CreateReport,codebuild:CreateReportGroup,codebuild:UpdateReport';
const CODEBUILD_LOGS = 'logs:CreateLogGroup,logs:CreateLogStream,logs:PutLogEvents';
const ARN_PREFIX = 'arn:${AWS::Partition}';
const REGION_ACCOUNT = '${AWS::Region}:${AWS::AccountId}';

/** [policy (normalised logical id), sorted actions, resource with a wildcard (normalised)]. */
const EXPECTED_WILDCARDS: [string, string, string][] = [
  // X-Ray write/sampling APIs have no resource-level permissions (daemon sidecar of every environment).
  ['Env<env>TaskDefinitionTaskRoleDefaultPolicy', 'xray:GetSamplingRules,xray:GetSamplingStatisticSummaries,xray:GetSamplingTargets,xray:PutTelemetryRecords,xray:PutTraceSegments', '*'],
  // ECR login for the image pull of the task set CodeDeploy starts: GetAuthorizationToken has no resource-level permissions.
  ['Env<env>TaskDefinitionExecutionRoleDefaultPolicy', 'ecr:GetAuthorizationToken', '*'],
  // CodeBuild test reports of the image build's own report groups (aws-cdk-lib grant).
  ['ImageBuildProjectRoleDefaultPolicy', CODEBUILD_REPORTS, `${ARN_PREFIX}:codebuild:${REGION_ACCOUNT}:report-group/\${ImageBuildProject}-*`],
  // docker login: ecr:GetAuthorizationToken has no resource-level permissions.
  ['ImageBuildProjectRoleDefaultPolicy', 'ecr:GetAuthorizationToken', '*'],
  // Reading the environments' task definitions: ecs:DescribeTaskDefinition has no resource-level permissions.
  ['ImageBuildProjectRoleDefaultPolicy', 'ecs:DescribeTaskDefinition', '*'],
  // The scan gate reads whether the registry uses basic or enhanced scanning: a registry-level action.
  ['ImageBuildProjectRoleDefaultPolicy', 'ecr:GetRegistryScanningConfiguration', '*'],
  // The unit tests' own report groups and log group (aws-cdk-lib grants), and reads of the source artifact: nothing else.
  ['ImageBuildUnitTestsRoleDefaultPolicy', CODEBUILD_REPORTS, `${ARN_PREFIX}:codebuild:${REGION_ACCOUNT}:report-group/\${ImageBuildUnitTests}-*`],
  ['ImageBuildUnitTestsRoleDefaultPolicy', CODEBUILD_LOGS, `${ARN_PREFIX}:logs:${REGION_ACCOUNT}:log-group:/aws/codebuild/\${ImageBuildUnitTests}:*`],
  ['ImageBuildUnitTestsRoleDefaultPolicy', S3_OBJECT_READ, '<ArtifactBucket.Arn>/*'],
  // The tagging of production's images: its own logs and reports, the build output (test/image-tagging.test.ts).
  ['ImageTaggingProjectRoleDefaultPolicy', CODEBUILD_REPORTS, `${ARN_PREFIX}:codebuild:${REGION_ACCOUNT}:report-group/\${ImageTaggingProject}-*`],
  ['ImageTaggingProjectRoleDefaultPolicy', CODEBUILD_LOGS, `${ARN_PREFIX}:logs:${REGION_ACCOUNT}:log-group:/aws/codebuild/\${ImageTaggingProject}:*`],
  ['ImageTaggingProjectRoleDefaultPolicy', S3_OBJECT_READ, '<ArtifactBucket.Arn>/*'],
  // Log streams of the image build's own log group (aws-cdk-lib grant).
  ['ImageBuildProjectRoleDefaultPolicy', CODEBUILD_LOGS, `${ARN_PREFIX}:logs:${REGION_ACCOUNT}:log-group:/aws/codebuild/\${ImageBuildProject}:*`],
  // Reads the source artifact and writes the deploy artifact: objects of the pipeline's own bucket.
  ['ImageBuildProjectRoleDefaultPolicy', S3_OBJECT_READ_WRITE, '<ArtifactBucket.Arn>/*'],
  // Reads the build scripts, an S3 asset in the CDK assets bucket (Asset.grantRead).
  ['ImageBuildProjectRoleDefaultPolicy', S3_OBJECT_READ, `${ARN_PREFIX}:s3:::{"Fn::Sub":"cdk-hnb659fds-assets-\${AWS::AccountId}-\${AWS::Region}"}/*`],
  // CodeBuild in a VPC manages its ENIs: these EC2 APIs have no resource-level permissions (aws-cdk-lib grant).
  ['IntegrationTestsPolicyDocument', 'ec2:CreateNetworkInterface,ec2:DeleteNetworkInterface,ec2:DescribeDhcpOptions,ec2:DescribeNetworkInterfaces,ec2:DescribeSecurityGroups,ec2:DescribeSubnets,ec2:DescribeVpcs', '*'],
  // CodeBuild test reports of the integration-test project's own report groups (aws-cdk-lib grant).
  ['IntegrationTestsRoleDefaultPolicy', CODEBUILD_REPORTS, `${ARN_PREFIX}:codebuild:${REGION_ACCOUNT}:report-group/\${IntegrationTests}-*`],
  // ENI permission for CodeBuild in the VPC, conditioned on the VPC's subnets (aws-cdk-lib grant).
  ['IntegrationTestsRoleDefaultPolicy', 'ec2:CreateNetworkInterfacePermission', `${ARN_PREFIX}:ec2:${REGION_ACCOUNT}:network-interface/*`],
  // Log streams of the integration-test project's own log group (aws-cdk-lib grant).
  ['IntegrationTestsRoleDefaultPolicy', CODEBUILD_LOGS, `${ARN_PREFIX}:logs:${REGION_ACCOUNT}:log-group:/aws/codebuild/\${IntegrationTests}:*`],
  // Reads the source artifact (checked-out tests): objects of the pipeline's own bucket.
  ['IntegrationTestsRoleDefaultPolicy', S3_OBJECT_READ, '<ArtifactBucket.Arn>/*'],
  // CodeDeploy ECS action registers the rendered task definition: no resource-level permissions.
  // (Its iam:PassRole names the environment's two roles: no wildcard, asserted below.)
  ['Deploy<env>ActionRoleDefaultPolicy', 'ecs:RegisterTaskDefinition', '*'],
  // CodeDeploy ECS action reads the deploy artifact: objects of the pipeline's own bucket.
  ['Deploy<env>ActionRoleDefaultPolicy', S3_OBJECT_READ, '<ArtifactBucket.Arn>/*'],
  // The pipeline role moves artifacts: objects of its own bucket.
  ['PipelineRoleDefaultPolicy', S3_OBJECT_READ_WRITE, '<ArtifactBucket.Arn>/*'],
  // The connection source action writes the source artifact: objects of the pipeline's own bucket.
  ['PipelineSourceCodePipelineActionRoleDefaultPolicy', S3_OBJECT_READ_WRITE, '<ArtifactBucket.Arn>/*'],
  // CodeStarSourceConnection sets the object ACL of the source artifact it uploads (aws-cdk-lib grant).
  ['PipelineSourceCodePipelineActionRoleDefaultPolicy', 's3:PutObjectAcl,s3:PutObjectVersionAcl', '<ArtifactBucket.Arn>/*'],
];

describe('the example app (examples/app.ts)', () => {
  describe('IAM', () => {
    let shop: ShopPipelineStack;
    let template: Template;
    beforeAll(() => {
      // GIVEN the README's example stack in a fresh App
      shop = new ShopPipelineStack(new App(), 'Shop');
      template = Template.fromStack(shop);
    });

    it('grants wildcard resources only where pinned (a new wildcard fails this test)', () => {
      // WHEN every (actions, resource) pair with a '*' in the resource is collected and normalised
      const actual = [...new Set(wildcardGrants(shop).map(g =>
        [normalise(g.policy), [...g.actions].sort().join(','), normalise(g.resource)].join(' | ')))].sort();
      // THEN it is exactly the pinned inventory
      expect(actual).toEqual(EXPECTED_WILDCARDS.map(e => e.join(' | ')).sort());
    });

    it('lets each deploy action pass only its environment\'s task role and execution role, and only to ECS tasks', () => {
      // THEN one iam:PassRole statement per environment, in that environment's deploy role, naming its two roles
      const passRoles = allowStatements(shop).filter(st => st.actions.includes('iam:PassRole'));
      expect(passRoles.map(st => normalise(st.policy)).sort()).toEqual(['Deploy<env>ActionRoleDefaultPolicy', 'Deploy<env>ActionRoleDefaultPolicy', 'Deploy<env>ActionRoleDefaultPolicy']);
      for (const env of shop.pipeline.environments) {
        const name = env.environmentName;
        const st = passRoles.find(p => p.policy.startsWith(`ShopDeploy${name}ActionRoleDefaultPolicy`))!;
        expect(st.actions).toEqual(['iam:PassRole']);
        expect(st.resources).toEqual([
          `<${shop.getLogicalId(env.taskDefinition.taskRole.node.defaultChild as CfnElement)}.Arn>`,
          `<${shop.getLogicalId(env.taskDefinition.executionRole!.node.defaultChild as CfnElement)}.Arn>`,
        ]);
        expect(st.condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
      }
    });

    it('never allows Action \'*\' or a whole service (\'service:*\') in an IAM policy', () => {
      // THEN no identity policy statement (Allow or Deny, Action or NotAction) is a service-wide wildcard
      const documents = [
        ...Object.entries<any>(template.findResources('AWS::IAM::Policy')).map(([id, r]) => [id, r.Properties.PolicyDocument]),
        ...Object.entries<any>(template.findResources('AWS::IAM::ManagedPolicy')).map(([id, r]) => [id, r.Properties.PolicyDocument]),
        ...Object.entries<any>(template.findResources('AWS::IAM::Role')).flatMap(([id, r]) =>
          (r.Properties.Policies ?? []).map((p: any) => [id, p.PolicyDocument])),
      ];
      expect(documents.length).toBeGreaterThan(20);
      const offending = documents.flatMap(([id, doc]) => (doc.Statement as any[])
        .flatMap(actionsOf)
        .filter(a => a === '*' || /^[a-z0-9-]+:\*$/i.test(a))
        .map(a => `${id}: ${a}`));
      expect(offending).toEqual([]);
    });

    it('has service-wide actions only in the key policy (account root) and the bucket\'s TLS-only Deny', () => {
      // THEN across every resource of the template, the only '<service>:*' statements are those two
      const found: string[] = [];
      const walk = (id: string, type: string, value: any): void => {
        if (Array.isArray(value)) { value.forEach(v => walk(id, type, v)); return; }
        if (!value || typeof value !== 'object') { return; }
        if (Array.isArray(value.Statement)) {
          for (const st of value.Statement) {
            for (const a of actionsOf(st).filter(x => x === '*' || /:\*$/.test(x))) {
              found.push(`${type} ${st.Effect} ${a}`);
            }
          }
        }
        Object.values(value).forEach(v => walk(id, type, v));
      };
      for (const [id, resource] of Object.entries<any>(template.toJSON().Resources)) { walk(id, resource.Type, resource.Properties); }
      expect(found.sort()).toEqual(['AWS::KMS::Key Allow kms:*', 'AWS::S3::BucketPolicy Deny s3:*']);
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Action: 'kms:*',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
          })]),
        },
      });
    });
  });

  it('has no unsuppressed cdk-nag AwsSolutions errors or warnings', () => {
    // GIVEN the example stack in its own App (cdk-nag is an aspect: it must run on a fresh synthesis)
    const shop = new ShopPipelineStack(new App(), 'Shop');
    // WHEN AwsSolutionsChecks runs
    const findings = nagFindings(shop);
    // THEN nothing is reported (the failure message lists every finding)
    expect(findings.map(f => `${f.level} ${f.path}: ${f.message}`)).toEqual([]);
  });
});

describe('size limits', () => {
  it('eleven environments fit one stack and one inline buildspec', () => {
    // GIVEN the most environments one stack holds, with unit tests
    const stack = new Stack(new App(), 'Eleven');
    // WHEN / THEN synthesis succeeds (under 500 resources, the buildspec under CodeBuild's 25,600 characters)
    const pipeline = new EcsCiCdPipeline(stack, 'Shop', {
      source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc' }),
      unitTestCommands: ['npm ci', 'npm test'],
      environments: Array.from({ length: 11 }, (_, i) => ({ name: `environment-${i + 1}`, production: i === 10 })),
    });
    const resources = Object.keys(Template.fromStack(stack).toJSON().Resources).length;
    expect(resources).toBeLessThanOrEqual(500);
    expect(pipeline.environments).toHaveLength(11);
  });
});

describe('settings reach the environments and the build', () => {
  let s: Synth;
  beforeAll(() => {
    // GIVEN container and build settings on the pipeline
    s = synth({
      containerName: 'web',
      containerPort: 3000,
      healthCheckPath: '/ready',
      cpu: 512,
      memoryLimitMiB: 1024,
      environment: { LOG_LEVEL: 'info' },
      xray: false,
      logRetention: logs.RetentionDays.ONE_WEEK,
      dockerfile: 'api/Dockerfile',
      buildTimeout: Duration.minutes(20),
      environments: [{ name: 'dev' }, { name: 'prod', production: true }],
    });
  });

  it('every environment\'s task definition gets the container settings', () => {
    // THEN two task definitions, each with only the app container as configured
    const taskDefs = Object.values<any>(s.template.findResources('AWS::ECS::TaskDefinition'));
    expect(taskDefs).toHaveLength(2);
    for (const td of taskDefs) {
      expect(td.Properties).toMatchObject({ Cpu: '512', Memory: '1024' });
      expect(td.Properties.ContainerDefinitions).toEqual([expect.objectContaining({
        Name: 'web',
        PortMappings: [expect.objectContaining({ ContainerPort: 3000 })],
        Environment: [{ Name: 'LOG_LEVEL', Value: 'info' }],
      })]);
    }
    s.template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/ready', Port: 3000 }, 4);
    s.template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 7 }, 2);
  });

  it('the build gets the build settings', () => {
    const project = Object.values<any>(s.template.findResources('AWS::CodeBuild::Project'))
      .find(p => p.Properties.Environment.EnvironmentVariables?.some((v: any) => v.Name === 'IMAGE_BUILD_SETTINGS'));
    expect(project.Properties.TimeoutInMinutes).toBe(20);
    // the settings travel in the IMAGE_BUILD_SETTINGS variable (JSON; the buildspec is the same for every pipeline)
    const settings = project.Properties.Environment.EnvironmentVariables.find((v: any) => v.Name === 'IMAGE_BUILD_SETTINGS');
    expect(JSON.parse(settings.Value)).toMatchObject({ dockerfile: 'api/Dockerfile' });
  });

  it('the artifact bucket expires old object versions after 30 days', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' })] },
    });
  });
});

// ---------------------------------------------------------------------------
// Notifications, production network defaults, integration-test reachability
// ---------------------------------------------------------------------------

describe('EcsCiCdPipeline notifications are limited to this account\'s notification rules', () => {
  const CONDITIONS = {
    StringEquals: { 'aws:SourceAccount': ENV.account },
  };
  const isCodeStar = (st: any) => JSON.stringify(st.Principal ?? {}).includes('codestar-notifications.amazonaws.com');

  it('the topic policy lets codestar-notifications publish only with aws:SourceAccount', () => {
    // GIVEN / WHEN
    const { stack, pipeline, template } = synth();
    // THEN
    const topic = stack.resolve(pipeline.notificationTopic.topicArn);
    const statements = Object.values<any>(template.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [topic] } }))
      .flatMap(p => p.Properties.PolicyDocument.Statement).filter(isCodeStar);
    expect(statements).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Resource: topic, Condition: CONDITIONS })]);
  });

  it('the key policy lets codestar-notifications use the key only with aws:SourceAccount', () => {
    // GIVEN / WHEN
    const { template } = synth();
    // THEN
    const statements = Object.values<any>(template.findResources('AWS::KMS::Key'))
      .flatMap(k => k.Properties.KeyPolicy.Statement).filter(isCodeStar);
    expect(statements).toEqual([expect.objectContaining({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: CONDITIONS,
    })]);
  });
});

describe('EcsCiCdPipeline network defaults', () => {
  it('the created VPC hosting production gets a NAT gateway per AZ and an S3 gateway endpoint', () => {
    // GIVEN / WHEN the default environments (the last one is production)
    const { template } = synth();
    // THEN
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.resourceCountIs('AWS::EC2::EIP', 2);
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' }, 1);
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 0);
  });

  it('natGateways: 1 keeps one NAT gateway for cost; vpcEndpoints: true adds the interface endpoints', () => {
    // GIVEN / WHEN
    const { template } = synth({ natGateways: 1, vpcEndpoints: true });
    // THEN
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 3);
  });

  it('a created VPC without a production environment keeps one NAT gateway', () => {
    // GIVEN / WHEN production lives in a VPC of its own
    const { template } = synth({}, st => ({
      environments: [{ name: 'dev' }, { name: 'prod', production: true, vpc: new ec2.Vpc(st, 'ProdVpc', { maxAzs: 2, natGateways: 2 }) }],
    }));
    // THEN the pipeline's VPC (dev only) has 1, the given production VPC its own 2
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  it('the production load balancer is protected from deletion, the others are not', () => {
    // GIVEN / WHEN
    const { template } = synth();
    // THEN
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    }, 1);
  });
});

describe('EcsCiCdPipeline integration tests reach the production listener', () => {
  const TESTS = { integrationTestCommands: ['curl -fsS "$SERVICE_URL"'] };

  it('of an internal load balancer: the project\'s security group is admitted on the production port', () => {
    // GIVEN / WHEN an internal environment whose production listener admits a corporate range only
    const { stack, pipeline, template } = synth({
      environments: [{ name: 'dev', internetFacing: false, productionListenerAllowedCidrs: ['10.200.0.0/16'], ...TESTS }],
    });
    // THEN
    const env = pipeline.environments[0];
    const project = pipeline.integrationTests.dev as any;
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [logicalId(stack, env.loadBalancer.connections.securityGroups[0]), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack, project.connections.securityGroups[0]), 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 80,
      ToPort: 80,
    });
  });

  it('of a restricted internet-facing load balancer: the NAT gateways\' Elastic IPs are admitted (/32)', () => {
    // GIVEN / WHEN
    const { stack, pipeline, template } = synth({
      environments: [{ name: 'dev', productionListenerAllowedCidrs: ['203.0.113.0/24'], ...TESTS }],
    });
    // THEN the load balancer admits each NAT gateway's public IP on the production port
    const albSg = logicalId(stack, pipeline.environments[0].loadBalancer.connections.securityGroups[0]);
    const eips = Object.keys(template.findResources('AWS::EC2::EIP'));
    expect(eips).toHaveLength(2);
    const ingress = template.toJSON().Resources[albSg].Properties.SecurityGroupIngress;
    for (const eip of eips) {
      expect(ingress).toContainEqual(expect.objectContaining({
        CidrIp: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [eip, 'PublicIp'] }, '/32']] },
        FromPort: 80,
        ToPort: 80,
      }));
    }
  });

  it('of an internet-facing load balancer open to ::/0: nothing to admit, no NAT rules', () => {
    // GIVEN / WHEN the production listener admits every IPv6 address (open, like 0.0.0.0/0)
    const { stack, pipeline, template } = synth({
      environments: [{ name: 'dev', productionListenerAllowedCidrs: ['203.0.113.0/24', '::/0'], ...TESTS }],
    });
    // THEN no Elastic IP rule is added for the integration tests
    const albSg = logicalId(stack, pipeline.environments[0].loadBalancer.connections.securityGroups[0]);
    const ingress = template.toJSON().Resources[albSg].Properties.SecurityGroupIngress;
    expect(JSON.stringify(ingress)).not.toContain('PublicIp');
  });

  it('of a restricted internet-facing load balancer in an imported VPC: a warning says how to admit them', () => {
    // GIVEN / WHEN
    const { annotations } = synth({}, st => ({
      vpc: ec2.Vpc.fromVpcAttributes(st, 'Imported', {
        vpcId: 'vpc-1',
        vpcCidrBlock: '10.1.0.0/16',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        publicSubnetIds: ['subnet-p1', 'subnet-p2'],
        privateSubnetIds: ['subnet-1', 'subnet-2'],
      }),
      environments: [{ name: 'dev', productionListenerAllowedCidrs: ['203.0.113.0/24'], ...TESTS }],
    }));
    // THEN
    annotations.hasWarning('/Test/Pipeline/Env-dev', Match.stringLikeRegexp(
      'environments\\[0\\]\\.productionListenerAllowedCidrs \\(\\["203\\.0\\.113\\.0/24"\\]\\) restricts .* add the NAT public IPs \\(/32\\) to productionListenerAllowedCidrs, or set internetFacing: false'));
  });

  it('cdk-nag stays clean with the NAT and security-group rules', () => {
    for (const env of [
      { name: 'dev', productionListenerAllowedCidrs: ['203.0.113.0/24'], ...TESTS },
      { name: 'dev', internetFacing: false, ...TESTS },
    ]) {
      // GIVEN (env-agnostic, like the example app the acknowledgements are written for)
      const stack = new Stack(new App(), 'Test');
      new EcsCiCdPipeline(stack, 'Pipeline', {
        source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN }),
        environments: [env],
      });
      // WHEN / THEN
      expect(nagFindings(stack)).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------
// Build and deploy roles: unit tests without the build's grants, PassRole per environment
// ---------------------------------------------------------------------------

describe('unit tests run in their own action, without the image build\'s grants', () => {
  let s: Synth;
  beforeAll(() => {
    // GIVEN unit test commands
    // WHEN the pipeline is synthesized
    s = synth({ unitTestCommands: ['npm ci', 'npm test'], environments: [{ name: 'dev' }, { name: 'prod', production: true }] });
  });

  it('runs UnitTests (runOrder 1, no outputs) before BuildScanAndRender (runOrder 2) in the Build stage', () => {
    // THEN
    const build = stageNamed(s.template, 'Build');
    expect(build.Actions.map((a: any) => [a.Name, a.RunOrder])).toEqual([['UnitTests', 1], ['BuildScanAndRender', 2]]);
    expect(build.Actions[0]).toEqual(expect.objectContaining({
      ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
      InputArtifacts: [{ Name: 'Source' }],
      Configuration: { ProjectName: s.stack.resolve(s.pipeline.imageBuild.unitTests!.projectName) },
    }));
    expect(build.Actions[0].OutputArtifacts).toBeUndefined();
    expect(JSON.stringify(s.template.toJSON().Resources[logicalId(s.stack, s.pipeline.imageBuild.project)].Properties.Source.BuildSpec)).not.toContain('npm test');
  });

  it('gives the unit tests a role that cannot write artifacts, push images or read task definitions', () => {
    // THEN every action of the unit tests' role is a read of the artifact bucket/key or its own logs/reports
    const statements = roleStatements(s, s.pipeline.imageBuild.unitTests!.role!);
    const all = [...new Set(statements.flatMap(actionsOf))].sort();
    expect(all.filter(a => /^(ecr|ecs|iam|codedeploy|sts):/.test(a))).toEqual([]);
    expect(all.filter(a => a.startsWith('s3:'))).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
    expect(all.filter(a => !/^(s3|kms|logs|codebuild):/.test(a))).toEqual([]);
  });
});

describe('deploy actions run with a role whose iam:PassRole names the environment\'s roles', () => {
  let s: Synth;
  beforeAll(() => {
    // GIVEN / WHEN the default environments
    s = synth();
  });

  it('gives each Deploy action its own role, assumable by the pipeline role only', () => {
    // THEN the action's RoleArn is the environment's deploy role; aws-cdk-lib's default action role is gone
    for (const env of s.pipeline.environments) {
      const role = s.pipeline.node.findChild(`Deploy-${env.environmentName}ActionRole`) as iam.Role;
      const action = stageNamed(s.template, `Deploy-${env.environmentName}`).Actions.find((a: any) => a.Name === 'Deploy');
      expect(action.RoleArn).toEqual(s.stack.resolve(role.roleArn));
      s.template.hasResourceProperties('AWS::IAM::Role', {
        RoleName: Match.absent(),
        AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: s.stack.resolve(s.pipeline.pipeline.role.roleArn) } }] },
      });
    }
    expect(s.pipeline.pipeline.node.findAll().filter(c => c.node.path.endsWith('/Deploy/CodePipelineActionRole'))).toEqual([]);
  });

  it('grants exactly what the CodeDeploy ECS action needs, with iam:PassRole on the task and execution roles only', () => {
    for (const env of s.pipeline.environments) {
      // GIVEN the environment's deploy role
      const role = s.pipeline.node.findChild(`Deploy-${env.environmentName}ActionRole`) as iam.Role;
      // WHEN its statements are read
      const statements = roleStatements(s, role).map(st => ({ ...st, Action: [st.Action].flat().sort() }));
      const of = (action: string) => statements.filter(st => st.Action.includes(action));
      // THEN
      const group = env.deploymentGroup;
      expect(of('codedeploy:CreateDeployment').map(st => st.Resource)).toEqual([s.stack.resolve(group.deploymentGroupArn)]);
      expect(of('codedeploy:RegisterApplicationRevision').map(st => st.Resource)).toEqual([s.stack.resolve(group.application.applicationArn)]);
      expect(of('codedeploy:GetDeploymentConfig').map(st => st.Resource)).toEqual([s.stack.resolve(group.deploymentConfig.deploymentConfigArn)]);
      expect(of('ecs:RegisterTaskDefinition').map(st => st.Resource)).toEqual(['*']);
      expect(of('iam:PassRole')).toEqual([{
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [s.stack.resolve(env.taskDefinition.taskRole.roleArn), s.stack.resolve(env.taskDefinition.executionRole!.roleArn)],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }]);
      const actions = [...new Set(statements.flatMap(st => st.Action))].sort();
      expect(actions.filter(a => !/^(s3:(GetBucket|GetObject|List)\*|kms:(Decrypt|DescribeKey))$/.test(a))).toEqual([
        'codedeploy:CreateDeployment', 'codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:GetDeployment',
        'codedeploy:GetDeploymentConfig', 'codedeploy:RegisterApplicationRevision', 'ecs:RegisterTaskDefinition', 'iam:PassRole',
      ]);
    }
  });
});

describe('only the image build may push to the repository it creates', () => {
  it('the created repository denies pushes to every principal but the build role, and the build may reuse its tags', () => {
    // GIVEN / WHEN the pipeline creates its repository
    const s = synth({ environments: [{ name: 'dev' }] });
    // THEN
    s.template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Version: '2012-10-17',
        Statement: [{
          Sid: 'OnlyTheImageBuildPushes',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'],
          // (and the step that tags the images production runs: test/image-tagging.test.ts)
          Condition: {
            ArnNotEquals: {
              'aws:PrincipalArn': [s.stack.resolve(s.pipeline.imageBuild.project.role!.roleArn), s.stack.resolve(s.pipeline.imageTagging!.role!.roleArn)],
            },
          },
        }],
      },
    });
    s.template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ EnvironmentVariables: Match.arrayWith([{ Name: 'REUSE_EXISTING_IMAGE', Type: 'PLAINTEXT', Value: 'true' }]) }),
    });
    expect(s.annotations.findWarning('*', Match.stringLikeRegexp('repositoryPushesUnrestricted'))).toEqual([]);
  });

  it('an imported repository: a warning at synth, and the build never reuses an existing tag', () => {
    // GIVEN an imported repository / WHEN synthesized
    const s = synth({ environments: [{ name: 'dev' }] }, stack => ({ repository: ecr.Repository.fromRepositoryName(stack, 'Existing', 'shop') }));
    // THEN
    s.annotations.hasWarning('/Test/Pipeline/ImageBuild', Match.stringLikeRegexp('^repository: pushes to .* cannot be restricted to the image build by this construct'));
    s.template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ EnvironmentVariables: Match.arrayWith([{ Name: 'REUSE_EXISTING_IMAGE', Type: 'PLAINTEXT', Value: 'false' }]) }),
    });
  });
});
