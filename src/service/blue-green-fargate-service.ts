import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { configureAutoscaling } from './autoscaling';
import { addServiceNagAcknowledgements, addServiceOutputs, warnAboutSettings } from './checks';
import { createServiceCluster } from './cluster';
import { configureEngine, wireDeployment } from './deployment-wiring';
import { createFargateService } from './fargate-service';
import { createLoadBalancerPair } from './load-balancer';
import { IDashboardedService, ServiceDashboard } from './service-dashboard';
import { BlueGreenFargateServiceProps } from './service-props';
import { resolveServiceSettings } from './settings';
import { createServiceTask } from './task-definition';
import { BlueGreenDeployment } from '../blue-green/blue-green-deployment';
import { codeDeployTargetOf } from '../blue-green/codedeploy/engine';
import { appSpecHooks } from '../blue-green/codedeploy/lifecycle-events';
import { IDeployTarget } from '../blue-green/deploy-target';
import { DeployActionOptions, IBlueGreenDeploymentTarget } from '../blue-green/engine';
import { EnvironmentHooks } from '../blue-green/hooks';
import { SmokeTest } from '../blue-green/smoke-test';
import { TrafficShifting } from '../blue-green/traffic-shifting';
import type { IImageBuildEnvironment } from '../pipeline/image-build-props';

/**
 * One environment of a containerised service on ECS Fargate, deployed blue/green by its `blueGreen`
 * engine (CodeDeploy by default).
 *
 * Creates (or reuses) the VPC and cluster, a task definition with an X-Ray daemon sidecar, the
 * Fargate service in private subnets, an Application Load Balancer with a production and a test
 * listener and two target groups, the engine's wiring (by default a CodeDeploy deployment group
 * that rolls back on failure, on stop and on alarm), the alarms, target-tracking autoscaling, the
 * built-in smoke test and a dashboard.
 *
 * @example
 * declare const vpc: ec2.IVpc;
 * new BlueGreenFargateService(this, 'Api', {
 *   vpc,
 *   image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
 *   containerPort: 80,
 *   healthCheckPath: '/',
 * });
 */
export class BlueGreenFargateService extends Construct implements IDashboardedService, IDeployTarget, IImageBuildEnvironment {
  /** The VPC of the service. */
  public readonly vpc: ec2.IVpc;
  /** The ECS cluster (created or passed in). */
  public readonly cluster: ecs.ICluster;
  /** The Fargate task definition. Its family is what each deployment registers a new revision of. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The application container. */
  public readonly container: ecs.ContainerDefinition;
  /** The Fargate service (with the engine's deployment controller). */
  public readonly service: ecs.FargateService;
  /** The Application Load Balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The listener that serves production traffic. */
  public readonly productionListener: elbv2.ApplicationListener;
  /** The listener that serves the green task set during a deployment. */
  public readonly testListener: elbv2.ApplicationListener;
  /** The target group production traffic starts on. */
  public readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  /** The target group new task sets start on. */
  public readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  /** The engine that runs this environment's blue/green deployments. */
  public readonly blueGreen: BlueGreenDeployment;
  /** This environment as a deployment target: what the pipeline needs to deploy it. */
  public readonly deploymentTarget: IBlueGreenDeploymentTarget;
  /** The task-count scaling target with the CPU/memory target-tracking policies. */
  public readonly scalableTarget: ecs.ScalableTaskCount;
  /** Alarms that roll a deployment back (those this construct created). */
  public readonly alarms: cloudwatch.IAlarm[];
  /** Log group of the task's containers. */
  public readonly logGroup: logs.ILogGroup;
  /** URL of the production listener: `domainName` when given, otherwise the load balancer's DNS name. */
  public readonly url: string;
  /** URL of the test listener: `domainName` when given, otherwise the load balancer's DNS name. */
  public readonly testUrl: string;
  /**
   * The alias record `domainName` -> load balancer.
   * @default - undefined unless `hostedZone` is given
   */
  public readonly aliasRecord?: route53.ARecord;
  /** The lifecycle hook functions of this environment, including the built-in smoke test. */
  public readonly hooks: EnvironmentHooks;
  /**
   * The built-in smoke test function.
   * @default - undefined when the smoke test is off
   */
  public readonly smokeTest?: SmokeTest;
  /**
   * The environment's dashboard.
   * @default - undefined when `dashboard` is false
   */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** Name of the application container. */
  public readonly containerName: string;
  /** Port of the application container. */
  public readonly containerPort: number;
  /** Name of the container the load balancer targets (`loadBalancerContainerName`; the application container by default). */
  public readonly loadBalancerContainerName: string;
  /** Port of the container the load balancer targets. */
  public readonly loadBalancerContainerPort: number;
  /** The `additionalContainers`, in order (their images come with the pipeline's deployments). */
  public readonly additionalContainers: ecs.ContainerDefinition[];
  /** The capacity provider strategy of the service. */
  public readonly capacityProviderStrategies: ecs.CapacityProviderStrategy[];
  /** Whether this environment is treated as production. */
  public readonly production: boolean;
  /** Name of the environment. */
  public readonly environmentName: string;

  constructor(scope: Construct, id: string, props: BlueGreenFargateServiceProps = {}) {
    super(scope, id);
    const s = resolveServiceSettings(props, '');
    this.containerName = s.containerName;
    this.containerPort = s.containerPort;
    this.loadBalancerContainerName = s.loadBalancerContainerName;
    this.loadBalancerContainerPort = s.loadBalancerContainerPort;
    this.production = s.production;
    this.environmentName = props.environmentName ?? id;
    this.blueGreen = props.blueGreen ?? BlueGreenDeployment.codeDeploy();
    warnAboutSettings(this, props, s);

    // ---- network and cluster --------------------------------------------------------------------
    const network = createServiceCluster(this, props, s);
    this.vpc = network.vpc;
    this.cluster = network.cluster;
    this.capacityProviderStrategies = network.capacityProviderStrategies;

    // ---- load balancer ----------------------------------------------------------------------------
    const pair = createLoadBalancerPair(this, { vpc: this.vpc, environmentName: this.environmentName, props, settings: s });
    this.loadBalancer = pair.loadBalancer;
    this.blueTargetGroup = pair.blueTargetGroup;
    this.greenTargetGroup = pair.greenTargetGroup;
    this.productionListener = pair.productionListener;
    this.testListener = pair.testListener;
    this.url = pair.url;
    this.testUrl = pair.testUrl;
    this.aliasRecord = pair.aliasRecord;
    const trafficShifting = props.trafficShifting ?? TrafficShifting.allAtOnce();
    // The engine's service settings (controller, strategy, alternate target and listener rules).
    const serviceConfig = configureEngine(this, this.blueGreen, { environmentName: this.environmentName, pair, trafficShifting, settings: s });

    // ---- task definition --------------------------------------------------------------------------
    const task = createServiceTask(this, props, s, serviceConfig.deploysImagesOnly ?? false);
    this.logGroup = task.logGroup;
    this.taskDefinition = task.taskDefinition;
    this.container = task.container;
    this.additionalContainers = task.additionalContainers;

    // ---- service ----------------------------------------------------------------------------------
    this.service = createFargateService(this, { environmentName: this.environmentName, network, task, pair, blueGreen: serviceConfig, settings: s });

    // ---- autoscaling ------------------------------------------------------------------------------
    this.scalableTarget = configureAutoscaling(this.service, pair.blueTargetGroup, props, s);

    // ---- alarms, hooks (the built-in smoke test and the user's functions), the engine bound to them --
    const wiring = wireDeployment(this, {
      environmentName: this.environmentName,
      props,
      settings: s,
      blueGreen: this.blueGreen,
      trafficShifting,
      service: this.service,
      network,
      task,
      pair,
    });
    this.alarms = wiring.alarms;
    this.smokeTest = wiring.smokeTest;
    this.hooks = wiring.hooks;
    this.deploymentTarget = wiring.deploymentTarget;

    // ---- dashboard, outputs, cdk-nag acknowledgements ---------------------------------------------
    if (props.dashboard ?? true) {
      this.dashboard = new ServiceDashboard(this, 'Dashboard', { service: this }).dashboard;
    }
    addServiceOutputs(this, this.environmentName, this.url, this.testUrl);
    addServiceNagAcknowledgements(pair, this.taskDefinition, s, props.accessLogBucket === undefined);
  }

  /**
   * The AppSpec `Hooks` section of this environment: lifecycle event -> function ARN.
   * @deprecated the engine hands its hooks to the build itself (`buildData`); the functions are in `hooks`
   */
  public get appSpecHooks(): { [lifecycleEvent: string]: string } {
    return appSpecHooks(this.hooks);
  }

  /**
   * The CodeDeploy application.
   * @throws when the environment's `blueGreen` engine is not `BlueGreenDeployment.codeDeploy()`
   */
  public get application(): codedeploy.EcsApplication {
    return codeDeployTargetOf(this.deploymentTarget, this.environmentName, 'application').application;
  }

  /**
   * The CodeDeploy deployment group (blue/green, automatic rollback on failure and on alarm).
   * @throws when the environment's `blueGreen` engine is not `BlueGreenDeployment.codeDeploy()`
   */
  public get deploymentGroup(): codedeploy.EcsDeploymentGroup {
    return codeDeployTargetOf(this.deploymentTarget, this.environmentName, 'deploymentGroup').deploymentGroup;
  }

  /**
   * Who pulls this environment's images: the task definition's execution role. Grant it with
   * `repository.grantPull(service.imagePuller)` (the bootstrap image is public and needs no grant).
   */
  public get imagePuller(): iam.IGrantable {
    return this.taskDefinition.obtainExecutionRole();
  }

  /** Files the image build must write for this environment (the engine's). */
  public get buildOutputFiles(): string[] {
    return this.deploymentTarget.buildOutputFiles;
  }

  /**
   * What else the image build needs for those files (the engine's).
   * @default - nothing beyond the task definition and the container
   */
  public get buildData(): { [key: string]: any } | undefined {
    return this.deploymentTarget.buildData;
  }

  /** The pipeline action that deploys this environment (the engine's). */
  public deployAction(scope: Construct, options: DeployActionOptions): codepipeline.IAction {
    return this.deploymentTarget.deployAction(scope, options);
  }

  /**
   * Lets the tasks pull images from `repository`: needed for the images deployments bring (the
   * bootstrap image is public).
   *
   * @deprecated use `repository.grantPull(service.imagePuller)`, which returns the grant
   */
  public grantImagePull(repository: ecr.IRepository): void {
    repository.grantPull(this.imagePuller);
  }
}
