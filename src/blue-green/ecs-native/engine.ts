import { Duration } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ecsDeployAction } from './deploy-action';
import { ImageRecord } from './image-record';
import { EcsNativeBlueGreenOptions } from './options';
import { checkDeploymentFitsAction, ecsStrategy, MAX_ECS_ACTION_TIMEOUT, MAX_ECS_NATIVE_BAKE_TIME } from './strategy';
import { imageDefinitionsFile } from '../../pipeline/build-contract';
import { acknowledge } from '../../private/nag';
import { validateDuration } from '../../private/validation';
import type {
  BlueGreenBindOptions, BlueGreenServiceConfig, BlueGreenServiceConfigOptions, DeployActionOptions, IBlueGreenDeploymentTarget,
} from '../engine';
import type { BlueGreenEngine } from '../engine-internal';
import { EnvironmentHooks } from '../hooks';
import { warnIfBelowRollbackWindow } from '../rollback-window';
import { TrafficShifting } from '../traffic-shifting';

/**
 * The hook points as ECS lifecycle stages. ECS runs a hook when its stage starts: the production
 * traffic shift stage is the last point before production traffic moves (CodeDeploy's
 * BeforeAllowTraffic), POST_PRODUCTION_TRAFFIC_SHIFT the first after (AfterAllowTraffic).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html
 */
export const ECS_LIFECYCLE_STAGES: ReadonlyArray<[keyof EnvironmentHooks, ecs.DeploymentLifecycleStage]> = [
  ['beforeInstall', ecs.DeploymentLifecycleStage.PRE_SCALE_UP],
  ['afterInstall', ecs.DeploymentLifecycleStage.POST_SCALE_UP],
  ['afterAllowTestTraffic', ecs.DeploymentLifecycleStage.POST_TEST_TRAFFIC_SHIFT],
  ['beforeAllowTraffic', ecs.DeploymentLifecycleStage.PRODUCTION_TRAFFIC_SHIFT],
  ['afterAllowTraffic', ecs.DeploymentLifecycleStage.POST_PRODUCTION_TRAFFIC_SHIFT],
];

/** The engine's bake time prop, as messages name it. */
const ENGINE_BAKE_TIME = 'BlueGreenDeployment.ecsNative(bakeTime)';
/** Why bake times are limited. */
const BAKE_TIME_LIMIT = 'shift time + bake time + 15 minutes must fit the ECS deploy action\'s 60 minutes';

/** Priority of the production and test listener rules ECS rewrites (the only rules of their listeners). */
const LISTENER_RULE_PRIORITY = 1;

/**
 * ECS-native blue/green: the ECS deployment controller with the BLUE_GREEN, CANARY or LINEAR
 * strategy, an alternate target group, production and test listener rules, ECS lifecycle hooks,
 * deployment alarms with rollback, and CodePipeline's standard ECS deploy action.
 */
export class EcsNativeEngine implements BlueGreenEngine {
  public readonly deploymentController: ecs.DeploymentController = { type: ecs.DeploymentControllerType.ECS };
  private readonly bakeTime?: Duration;

  constructor(options: EcsNativeBlueGreenOptions = {}) {
    const bakeTime = options.bakeTime;
    if (bakeTime && !bakeTime.isUnresolved() && bakeTime.toMilliseconds() > MAX_ECS_NATIVE_BAKE_TIME.toMilliseconds()) {
      throw new Error(`${ENGINE_BAKE_TIME} (${bakeTime.toHumanString()}) must be 0-${MAX_ECS_NATIVE_BAKE_TIME.toMinutes()} minutes: ${BAKE_TIME_LIMIT}`);
    }
    validateDuration(ENGINE_BAKE_TIME, bakeTime, Duration.minutes(0), MAX_ECS_NATIVE_BAKE_TIME, 'minutes');
    this.bakeTime = bakeTime;
  }

  public configureService(scope: Construct, options: BlueGreenServiceConfigOptions): BlueGreenServiceConfig {
    // Fails at synth on values ECS rejects and when the deployment cannot fit the deploy action's wait.
    const { strategy, bakeTime } = this.plan(options.environmentName, options.trafficShifting, options.terminationWaitTime);

    // ECS shifts traffic by rewriting listener rules (not listener default actions): one rule per
    // listener, matching every request, in the weighted form ECS itself writes. The rules' properties
    // depend on nothing a later `cdk deploy` changes (see test/ecs-native.test.ts, 'drift guard'), so
    // CloudFormation never updates them and never resets the weights ECS has set (aws-cdk#36649).
    const rule = (id: string, listener: elbv2.ApplicationListener) => new elbv2.ApplicationListenerRule(scope, id, {
      listener,
      priority: LISTENER_RULE_PRIORITY,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])],
      action: elbv2.ListenerAction.weightedForward([
        { targetGroup: options.blueTargetGroup, weight: 100 },
        { targetGroup: options.greenTargetGroup, weight: 0 },
      ]),
    });
    const productionRule = rule('ProductionListenerRule', options.productionListener);
    const testRule = rule('TestListenerRule', options.testListener);
    const role = new iam.Role(scope, 'LoadBalancerRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: `Lets ECS shift ${options.environmentName}'s listener rules and register its tasks during blue/green deployments`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonECSInfrastructureRolePolicyForLoadBalancers')],
    });
    acknowledge(role, 'AwsSolutions-IAM4',
      'AmazonECSInfrastructureRolePolicyForLoadBalancers is the AWS-maintained policy ECS blue/green deployments need to rewrite listener rules '
      + 'and register targets (ECS developer guide, "Amazon ECS infrastructure IAM role for load balancers").', false,
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers']);
    return {
      deploymentController: this.deploymentController,
      deploymentStrategy: strategy.deploymentStrategy,
      bakeTime,
      canaryConfiguration: strategy.canaryConfiguration,
      linearConfiguration: strategy.linearConfiguration,
      // Tasks that never become healthy fail the deployment (and roll it back) within minutes.
      circuitBreaker: { enable: true, rollback: true },
      alternateTarget: new ecs.AlternateTarget('AlternateTarget', {
        alternateTargetGroup: options.greenTargetGroup,
        productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(productionRule),
        testListener: ecs.ListenerRuleConfiguration.applicationListenerRule(testRule),
        role,
      }),
      deploysImagesOnly: true,
    };
  }

  public bind(scope: Construct, options: BlueGreenBindOptions): EcsNativeDeploymentTarget {
    if (options.manualRerouteTimeout !== undefined) {
      // ECS's own way to wait for a person (PAUSE lifecycle hooks + ContinueServiceDeployment) is not in
      // the AWS::ECS::Service schema aws-cdk-lib and cfn-lint know, and the standard ECS deploy action
      // would stop waiting after 60 minutes anyway.
      throw new Error(`environment '${options.environmentName}': manualRerouteTimeout (${options.manualRerouteTimeout.toHumanString()}) `
        + 'needs BlueGreenDeployment.codeDeploy(): with ecsNative() nobody can hold production traffic for a person '
        + '(ECS pause hooks are not in CloudFormation\'s AWS::ECS::Service schema yet, and the ECS deploy action waits at most 60 minutes)');
    }
    options.service.enableDeploymentAlarms(options.alarms.map(alarm => alarm.alarmName), { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM });
    bindHooks(scope, options);
    const delivered = options.deliveredContainers ?? [];
    const imageRecord = delivered.length > 0
      ? new ImageRecord(scope, 'ImageRecord', { service: options.service, taskDefinition: options.taskDefinition, containers: delivered })
      : undefined;
    const { bakeTime } = this.plan(options.environmentName, options.trafficShifting, options.terminationWaitTime);
    // ECS watches the deployment alarms during the bake time.
    warnIfBelowRollbackWindow(scope, 'bakeTimeBelowAlarmWindow', this.bakeTimeProp, bakeTime, options.rollbackAlarmWindow);
    return new EcsNativeDeploymentTarget(options.environmentName, options.service, options.taskDefinition, MAX_ECS_ACTION_TIMEOUT, imageRecord);
  }

  /**
   * The environment's deployment as ECS runs it: strategy and bake time (the engine's, or the
   * environment's `terminationWaitTime`). Throws, naming the environment and the prop, on values
   * ECS or the deploy action (which then waits its longest, {@link MAX_ECS_ACTION_TIMEOUT}) cannot take.
   */
  private plan(environmentName: string, trafficShifting: TrafficShifting, terminationWaitTime: Duration) {
    const strategy = ecsStrategy(environmentName, trafficShifting);
    const bakeTime = this.bakeTime ?? terminationWaitTime;
    if (!this.bakeTime && !bakeTime.isUnresolved() && bakeTime.toMinutes() > MAX_ECS_NATIVE_BAKE_TIME.toMinutes()) {
      throw new Error(`environment '${environmentName}': terminationWaitTime (${bakeTime.toMinutes()} minutes) is the ECS-native engine's bake time, `
        + `which can be at most ${MAX_ECS_NATIVE_BAKE_TIME.toMinutes()} minutes (${BAKE_TIME_LIMIT}): `
        + `set ${ENGINE_BAKE_TIME} (0-${MAX_ECS_NATIVE_BAKE_TIME.toMinutes()} minutes) or a shorter terminationWaitTime`);
    }
    checkDeploymentFitsAction(environmentName, trafficShifting, strategy.shiftDuration, this.bakeTimeProp, bakeTime);
    return { strategy, bakeTime };
  }

  /** Where the bake time comes from, for messages. */
  private get bakeTimeProp(): string {
    return this.bakeTime ? ENGINE_BAKE_TIME : 'terminationWaitTime';
  }
}

/** An ECS-native environment, as the pipeline sees it. */
export class EcsNativeDeploymentTarget implements IBlueGreenDeploymentTarget {
  public readonly buildOutputFiles: string[];

  constructor(
    private readonly environmentName: string,
    public readonly service: ecs.FargateService,
    private readonly taskDefinition: ecs.TaskDefinition,
    private readonly deploymentTimeout: Duration,
    /** The drift guard: where CloudFormation reads the deployed images from. */
    public readonly imageRecord?: ImageRecord,
  ) {
    this.buildOutputFiles = [imageDefinitionsFile(environmentName)];
  }

  public deployAction(scope: Construct, options: DeployActionOptions): codepipeline.IAction {
    return ecsDeployAction(scope, this.environmentName, this.service, this.taskDefinition, this.deploymentTimeout, options);
  }
}

/**
 * Each hook runs at its ECS lifecycle stage, invoked by one role per environment that may invoke
 * exactly these functions (aws-cdk-lib's DeploymentLifecycleLambdaTarget would create a role per
 * hook and grant `<arn>:*` as well).
 */
function bindHooks(scope: Construct, options: BlueGreenBindOptions): void {
  const hooks = ECS_LIFECYCLE_STAGES.filter(([key]) => options.hooks[key] !== undefined);
  if (hooks.length === 0) { return; }
  const role = new iam.Role(scope, 'LifecycleHookRole', {
    assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
    description: `Lets ECS invoke ${options.environmentName}'s deployment lifecycle hooks`,
  });
  for (const [key, stage] of hooks) {
    const fn: lambda.IFunction = options.hooks[key]!;
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    options.service.addLifecycleHook(new ecs.DeploymentLifecycleLambdaTarget(fn, key, { role, lifecycleStages: [stage] }));
  }
}
