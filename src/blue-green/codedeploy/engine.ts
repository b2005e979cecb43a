import { Annotations, Duration, PhysicalName } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { codeDeployEcsDeployAction } from './deploy-action';
import { codeDeployDeploymentConfig } from './deployment-config';
import { appSpecBuildData, LIFECYCLE_EVENTS } from './lifecycle-events';
import { notifyManualReroute } from './manual-reroute';
import { CodeDeployBlueGreenOptions } from './options';
import { appSpecFile, taskDefinitionFile } from '../../pipeline/build-contract';
import { acknowledge } from '../../private/nag';
import { validateDuration } from '../../private/validation';
import type { BlueGreenBindOptions, BlueGreenServiceConfig, DeployActionOptions, IBlueGreenDeploymentTarget } from '../engine';
import type { BlueGreenEngine, ManualStepNotice, ManualStepNotifier } from '../engine-internal';
import { warnIfBelowRollbackWindow } from '../rollback-window';

/** CodeDeploy blue/green: a CODE_DEPLOY controller, an application and deployment group per environment. */
export class CodeDeployEngine implements BlueGreenEngine {
  public readonly deploymentController: ecs.DeploymentController = { type: ecs.DeploymentControllerType.CODE_DEPLOY };

  private readonly terminationWaitTime?: Duration;

  constructor(options: CodeDeployBlueGreenOptions = {}) {
    if (options.terminationWaitTime) {
      validateDuration('BlueGreenDeployment.codeDeploy(terminationWaitTime)', options.terminationWaitTime,
        Duration.minutes(0), Duration.minutes(2880), 'minutes');
    }
    this.terminationWaitTime = options.terminationWaitTime;
  }

  public configureService(): BlueGreenServiceConfig {
    return { deploymentController: this.deploymentController };
  }

  public bind(scope: Construct, bound: BlueGreenBindOptions): CodeDeployDeploymentTarget {
    // The engine's own setting wins over the environment's (deprecated) one.
    const options: BlueGreenBindOptions = { ...bound, terminationWaitTime: this.terminationWaitTime ?? bound.terminationWaitTime };
    checkAlarmCount(options);
    warnIfBelowRollbackWindow(scope, 'terminationWaitBelowAlarmWindow',
      this.terminationWaitTime ? 'BlueGreenDeployment.codeDeploy(terminationWaitTime)' : 'terminationWaitTime',
      options.terminationWaitTime, options.rollbackAlarmWindow);
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
        // aws-cdk-lib renders deploymentReadyOption { actionOnTimeout: STOP_DEPLOYMENT, waitTimeInMinutes }
        // when this is set (aws-codedeploy/lib/ecs/deployment-group.js, renderBlueGreenDeploymentConfiguration):
        // the deployment waits in the Ready state for ContinueDeployment and is stopped (rolled back,
        // autoRollback.stoppedDeployment) when nobody reroutes in time.
        deploymentApprovalWaitTime: options.manualRerouteTimeout,
      },
      deploymentConfig: codeDeployDeploymentConfig(options.trafficShifting, scope, 'DeploymentConfig'),
      alarms: options.alarms,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    checkDeployActionTimeout(scope, options);
    limitDeploymentRole(deploymentGroup);
    grantHooks(scope, deploymentGroup, options);
    return new CodeDeployDeploymentTarget(options.environmentName, application, deploymentGroup, options.taskDefinition,
      appSpecBuildData(options.hooks, options.capacityProviderStrategies ?? []));
  }
}

/** A CodeDeploy environment, as the pipeline sees it. */
export class CodeDeployDeploymentTarget implements IBlueGreenDeploymentTarget, ManualStepNotifier {
  public readonly buildOutputFiles: string[];

  constructor(
    private readonly environmentName: string,
    public readonly application: codedeploy.EcsApplication,
    public readonly deploymentGroup: codedeploy.EcsDeploymentGroup,
    private readonly taskDefinition: ecs.TaskDefinition,
    /** The AppSpec's hooks and capacity provider strategy (`appSpecBuildData`). */
    public readonly buildData: { [key: string]: unknown },
  ) {
    this.buildOutputFiles = [appSpecFile(environmentName), taskDefinitionFile(environmentName)];
  }

  public deployAction(scope: Construct, options: DeployActionOptions): codepipeline.IAction {
    return codeDeployEcsDeployAction(scope, this.environmentName, this.deploymentGroup, this.taskDefinition, options);
  }

  /** An EventBridge rule on this deployment group's state changes that publishes to `topic` (manual-reroute.ts). */
  public notifyManualSteps(scope: Construct, topic: sns.ITopic, notice: ManualStepNotice): void {
    notifyManualReroute(scope, topic, notice, this.deploymentGroup);
  }
}

/**
 * The CodeDeploy side of an environment, for the service's CodeDeploy accessors (`application`,
 * `deploymentGroup`): `prop` names the accessor in the error for an environment on another engine.
 */
export function codeDeployTargetOf(target: IBlueGreenDeploymentTarget, environmentName: string, prop: string): CodeDeployDeploymentTarget {
  if (!(target instanceof CodeDeployDeploymentTarget)) {
    throw new Error(`${prop} exists only when blueGreen is BlueGreenDeployment.codeDeploy(); environment '${environmentName}' uses another engine`);
  }
  return target;
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

/**
 * A deployment group's alarm configuration holds at most 10 alarms (CodeDeploy API reference,
 * AlarmConfiguration: "A maximum of 10 alarms can be added"); the service's built-in alarms count.
 */
const MAX_DEPLOYMENT_GROUP_ALARMS = 10;

function checkAlarmCount(options: BlueGreenBindOptions): void {
  if (options.alarms.length > MAX_DEPLOYMENT_GROUP_ALARMS) {
    throw new Error(`deploymentAlarms is too many for environment '${options.environmentName}': with the built-in alarms that makes `
      + `${options.alarms.length} rollback alarms, and a CodeDeploy deployment group accepts at most ${MAX_DEPLOYMENT_GROUP_ALARMS}; pass fewer deploymentAlarms`);
  }
}

/**
 * CodePipeline's CodeDeploy ECS (blue/green) deploy action times out after 5 days ("Quotas in AWS
 * CodePipeline", https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html); the action
 * waits for the whole deployment. With a manual reroute the deployment can last the reroute wait,
 * the traffic shifting and the termination wait, plus the time to start the green tasks and run
 * the hooks. Past 5 days the pipeline would fail while CodeDeploy carries on: reject it, and warn
 * when less than an hour is left for the rest.
 */
const DEPLOY_ACTION_TIMEOUT = Duration.days(5);
const DEPLOY_ACTION_MARGIN = Duration.hours(1);

function checkDeployActionTimeout(scope: Construct, options: BlueGreenBindOptions): void {
  const reroute = options.manualRerouteTimeout;
  if (!reroute || reroute.isUnresolved() || options.terminationWaitTime.isUnresolved()) { return; }
  const shifting = shiftingMinutes(options);
  const minutes = reroute.toMinutes() + options.terminationWaitTime.toMinutes() + shifting;
  const parts = `manualRerouteTimeout (${reroute.toHumanString()}) + terminationWaitTime (${options.terminationWaitTime.toHumanString()})`
    + ` + traffic shifting (${shifting} minutes) = ${minutes} minutes`;
  if (minutes > DEPLOY_ACTION_TIMEOUT.toMinutes()) {
    throw new Error(`environment '${options.environmentName}': ${parts}, longer than the ${DEPLOY_ACTION_TIMEOUT.toMinutes()} minutes (5 days) `
      + 'CodePipeline lets a CodeDeploy ECS deploy action run; shorten manualRerouteTimeout or terminationWaitTime');
  }
  if (minutes > DEPLOY_ACTION_TIMEOUT.toMinutes() - DEPLOY_ACTION_MARGIN.toMinutes()) {
    Annotations.of(scope).addWarningV2('cdk-ecs-cicd-pipeline:manualRerouteNearActionTimeout',
      `manualRerouteTimeout: ${parts}, within an hour of the 5 days CodePipeline lets a CodeDeploy ECS deploy action run; `
      + 'starting the green tasks and the hooks may push the deployment past it, and the pipeline then fails while CodeDeploy carries on');
  }
}

/** Minutes between the first and the last traffic increment (canary: one interval; linear: one per further step). */
function shiftingMinutes(options: BlueGreenBindOptions): number {
  const { kind, percent, interval } = options.trafficShifting;
  if (!interval || interval.isUnresolved() || percent === undefined) { return 0; }
  const steps = kind === 'LINEAR' ? Math.ceil(100 / percent) - 1 : 1;
  return steps * interval.toMinutes();
}
