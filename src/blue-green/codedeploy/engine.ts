import { Annotations, PhysicalName } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { codeDeployEcsDeployAction } from './deploy-action';
import { codeDeployDeploymentConfig } from './deployment-config';
import { LIFECYCLE_EVENTS } from './lifecycle-events';
import { CodeDeployBlueGreenOptions } from './options';
import { appSpecFile, taskDefinitionFile } from '../../pipeline/build-contract';
import { acknowledge } from '../../private/nag';
import type { BlueGreenBindOptions, DeployActionOptions, IBlueGreenDeploymentTarget } from '../engine';
import type { BlueGreenEngine } from '../engine-internal';

/** CodeDeploy blue/green: a CODE_DEPLOY controller, an application and deployment group per environment. */
export class CodeDeployEngine implements BlueGreenEngine {
  public readonly deploymentController: ecs.DeploymentController = { type: ecs.DeploymentControllerType.CODE_DEPLOY };

  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  constructor(_options: CodeDeployBlueGreenOptions = {}) {}

  public bind(scope: Construct, options: BlueGreenBindOptions): CodeDeployDeploymentTarget {
    // Generated names only when a pipeline in another account or region names them (its deploy
    // action); otherwise the template is unchanged.
    const application = new codedeploy.EcsApplication(scope, 'Application', { applicationName: PhysicalName.GENERATE_IF_NEEDED });
    const deploymentGroup = new codedeploy.EcsDeploymentGroup(scope, 'DeploymentGroup', {
      deploymentGroupName: PhysicalName.GENERATE_IF_NEEDED,
      application,
      service: options.service,
      blueGreenDeploymentConfig: {
        blueTargetGroup: options.blueTargetGroup,
        greenTargetGroup: options.greenTargetGroup,
        listener: options.productionListener,
        testListener: options.testListener,
        terminationWaitTime: options.terminationWaitTime,
      },
      deploymentConfig: codeDeployDeploymentConfig(options.trafficShifting, scope, 'DeploymentConfig'),
      alarms: options.alarms,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    limitDeploymentRole(deploymentGroup);
    grantHooks(scope, deploymentGroup, options);
    return new CodeDeployDeploymentTarget(options.environmentName, application, deploymentGroup, options.taskDefinition);
  }
}

/** A CodeDeploy environment, as the pipeline sees it. */
export class CodeDeployDeploymentTarget implements IBlueGreenDeploymentTarget {
  public readonly buildOutputFiles: string[];

  constructor(
    private readonly environmentName: string,
    public readonly application: codedeploy.EcsApplication,
    public readonly deploymentGroup: codedeploy.EcsDeploymentGroup,
    private readonly taskDefinition: ecs.TaskDefinition,
  ) {
    this.buildOutputFiles = [appSpecFile(environmentName), taskDefinitionFile(environmentName)];
  }

  public deployAction(scope: Construct, options: DeployActionOptions): codepipeline.IAction {
    return codeDeployEcsDeployAction(scope, this.environmentName, this.deploymentGroup, this.taskDefinition, options);
  }
}

/**
 * aws-cdk-lib's EcsDeploymentGroup always attaches AWSCodeDeployRoleForECS (it calls
 * `role.addManagedPolicy` even on a role passed in), which lets CodeDeploy invoke any function,
 * read any object and publish to any topic. Replace it with AWSCodeDeployRoleForECSLimited:
 * ecs:CreateTaskSet/UpdateServicePrimaryTaskSet/DeleteTaskSet/DescribeServices,
 * elasticloadbalancing:Describe*, ModifyListener, ModifyRule, cloudwatch:DescribeAlarms and
 * iam:PassRole to ECS tasks, which is what an ECS blue/green deployment does; its Lambda, SNS and
 * S3 statements only match CodeDeployHook_* functions, CodeDeployTopic_* topics and objects
 * tagged UseWithCodeDeploy. Nothing more is needed: the hooks get lambda:InvokeFunction one by
 * one (grantHooks), the deployment group has no SNS triggers, and the deployments do not read S3:
 * CodePipeline's CodeDeployToECS action hands CodeDeploy the AppSpec itself, and this role never
 * had use of the artifact bucket's KMS key, so reading the artifacts could not have worked with
 * the broad policy either. (Checked against the AWS managed policy reference and the ECS guide,
 * not in an account.)
 * Setting the L1 property keeps the role (no replacement) and lets cdk-nag see the real list.
 */
function limitDeploymentRole(deploymentGroup: codedeploy.EcsDeploymentGroup): void {
  const cfnRole = deploymentGroup.role.node.defaultChild as iam.CfnRole;
  cfnRole.managedPolicyArns = [iam.ManagedPolicy.fromAwsManagedPolicyName('AWSCodeDeployRoleForECSLimited').managedPolicyArn];
  acknowledge(deploymentGroup.role, 'AwsSolutions-IAM4',
    'AWSCodeDeployRoleForECSLimited is the AWS-maintained minimum for CodeDeploy ECS blue/green (task sets, listener rules, alarms); '
    + 'its Lambda, S3 and SNS statements are limited to CodeDeployHook_*/CodeDeployTopic_* names and tagged objects, and the hooks are granted one by one.', false,
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/AWSCodeDeployRoleForECSLimited']);
}

/**
 * Each hook may report its outcome on this deployment group only, and the deployment group's role
 * may invoke each hook (CodeDeploy invokes the unqualified ARN named in the AppSpec; grantInvoke
 * would add '<arn>:*').
 */
function grantHooks(scope: Construct, deploymentGroup: codedeploy.EcsDeploymentGroup, options: BlueGreenBindOptions): void {
  for (const [key] of LIFECYCLE_EVENTS) {
    const fn = options.hooks[key];
    if (!fn) { continue; }
    if (!fn.role) {
      // addToRolePolicy is a no-op on a function without a role (Function.fromFunctionArn): without the
      // permission the hook cannot report, and the deployment waits for the hook's timeout (1 hour).
      Annotations.of(scope).addWarningV2('cdk-ecs-cicd-pipeline:hookWithoutRole',
        `hooks.${key} (${fn.node.path}) is imported without its role, so it cannot be granted `
        + 'codedeploy:PutLifecycleEventHookExecutionStatus: grant it yourself on this environment\'s deployment group '
        + '(deploymentGroup.deploymentGroupArn), or import the function with Function.fromFunctionAttributes({ functionArn, role })');
    }
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
      resources: [deploymentGroup.deploymentGroupArn],
    }));
    deploymentGroup.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [fn.functionArn],
    }));
  }
}
