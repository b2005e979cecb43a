/**
 * The baseline for `bench/bench.ts`: the same delivery system as `EcsCiCdPipeline`, wired by hand
 * from plain aws-cdk-lib the way a platform team would without this library, with aws-cdk-lib's
 * defaults wherever the brief does not ask for more.
 *
 * One VPC and one ECR repository; per environment an ECS cluster, an
 * `ApplicationLoadBalancedFargateService` (default target group health check and deregistration
 * delay) with the CODE_DEPLOY controller, a green target group, a test listener on 8080, a
 * CodeDeploy application + deployment group, CPU autoscaling; one CodeBuild project (inline
 * buildspec: docker build/push + imageDetail.json) and a CodePipeline V2: CodeStar Connections
 * source -> build -> one CodeDeploy ECS deploy action per environment, a manual approval before the
 * last one (when there are several, as the library does for the production environment the bench marks).
 */
import { Stack, StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';

export interface HandWiredProps extends StackProps {
  /** Environment names, in promotion order. */
  readonly environments: string[];
  /** CodeStar Connections (CodeConnections) connection ARN. */
  readonly connectionArn: string;
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
}

export class HandWiredStack extends Stack {
  constructor(scope: Construct, id: string, props: HandWiredProps) {
    super(scope, id, props);
    const envs = props.environments;

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const repository = new ecr.Repository(this, 'Repository', { imageScanOnPush: true });

    // ---- environments ------------------------------------------------------------------------------
    const deploymentGroups = envs.map(name => {
      const envScope = new Construct(this, `Env-${name}`);
      const cluster = new ecs.Cluster(envScope, 'Cluster', { vpc });
      const svc = new ecsPatterns.ApplicationLoadBalancedFargateService(envScope, 'Service', {
        cluster,
        taskImageOptions: {
          image: ecs.ContainerImage.fromEcrRepository(repository, 'latest'),
          containerName: 'app',
          containerPort: 80,
        },
        deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY },
      });
      // Green target group: same shape as the blue one ApplicationLoadBalancedFargateService made.
      const green = new elbv2.ApplicationTargetGroup(envScope, 'GreenTargetGroup', {
        vpc,
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
      });
      const testListener = svc.loadBalancer.addListener('TestListener', {
        port: 8080,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultTargetGroups: [green],
      });
      svc.service.autoScaleTaskCount({ minCapacity: 1, maxCapacity: 4 })
        .scaleOnCpuUtilization('CpuScaling', { targetUtilizationPercent: 60 });

      const application = new codedeploy.EcsApplication(envScope, 'Application');
      return new codedeploy.EcsDeploymentGroup(envScope, 'DeploymentGroup', {
        application,
        service: svc.service,
        deploymentConfig: codedeploy.EcsDeploymentConfig.ALL_AT_ONCE,
        blueGreenDeploymentConfig: {
          blueTargetGroup: svc.targetGroup,
          greenTargetGroup: green,
          listener: svc.listener,
          testListener,
        },
      });
    });

    // ---- build -------------------------------------------------------------------------------------
    const project = new codebuild.PipelineProject(this, 'Build', {
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, privileged: true },
      environmentVariables: { REPOSITORY_URI: { value: repository.repositoryUri } },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          pre_build: {
            commands: [
              'aws ecr get-login-password | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"',
              'TAG="$(echo "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c1-8)"',
            ],
          },
          build: { commands: ['docker build -t "$REPOSITORY_URI:$TAG" .'] },
          post_build: {
            commands: [
              'docker push "$REPOSITORY_URI:$TAG"',
              'printf \'{"ImageURI":"%s"}\' "$REPOSITORY_URI:$TAG" > imageDetail.json',
            ],
          },
        },
        artifacts: { files: ['imageDetail.json'] },
      }),
    });
    repository.grantPullPush(project);

    // ---- pipeline ----------------------------------------------------------------------------------
    const pipeline = new codepipeline.Pipeline(this, 'Pipeline', { pipelineType: codepipeline.PipelineType.V2 });
    const sourceOutput = new codepipeline.Artifact('Source');
    const buildOutput = new codepipeline.Artifact('Image');
    pipeline.addStage({
      stageName: 'Source',
      actions: [new actions.CodeStarConnectionsSourceAction({
        actionName: 'Source',
        owner: props.owner,
        repo: props.repo,
        branch: props.branch,
        connectionArn: props.connectionArn,
        output: sourceOutput,
      })],
    });
    pipeline.addStage({
      stageName: 'Build',
      actions: [new actions.CodeBuildAction({ actionName: 'Build', project, input: sourceOutput, outputs: [buildOutput] })],
    });
    envs.forEach((name, i) => {
      const stageActions: codepipeline.IAction[] = [];
      if (envs.length > 1 && i === envs.length - 1) {
        stageActions.push(new actions.ManualApprovalAction({ actionName: 'Approve', runOrder: 1 }));
      }
      stageActions.push(new actions.CodeDeployEcsDeployAction({
        actionName: 'Deploy',
        runOrder: 2,
        deploymentGroup: deploymentGroups[i],
        // The task definition and AppSpec templates live in the repository, one pair per environment.
        taskDefinitionTemplateFile: sourceOutput.atPath(`deploy/taskdef-${name}.json`),
        appSpecTemplateFile: sourceOutput.atPath(`deploy/appspec-${name}.yaml`),
        containerImageInputs: [{ input: buildOutput, taskDefinitionPlaceholder: 'IMAGE1_NAME' }],
      }));
      pipeline.addStage({ stageName: `Deploy-${name}`, actions: stageActions });
    });
  }
}
