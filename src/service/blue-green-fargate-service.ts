import { Annotations, Aspects, CfnOutput, Duration, Token } from 'aws-cdk-lib';
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
import { createDeploymentAlarms } from './alarms';
import { configureAutoscaling } from './autoscaling';
import { DependOnCapacityProviderAssociations, defaultCapacityProviderStrategy } from './capacity';
import { addServiceNagAcknowledgements, warnAboutSettings } from './checks';
import { wireHooks } from './hook-wiring';
import { createLoadBalancerPair } from './load-balancer';
import { IDashboardedService, ServiceDashboard } from './service-dashboard';
import { BlueGreenFargateServiceProps } from './service-props';
import { resolveServiceSettings } from './settings';
import { createServiceTask } from './task-definition';
import { BlueGreenDeployment } from '../blue-green/blue-green-deployment';
import { CodeDeployDeploymentTarget } from '../blue-green/codedeploy/engine';
import { appSpecHooks } from '../blue-green/codedeploy/lifecycle-events';
import { IDeployTarget } from '../blue-green/deploy-target';
import { DeployActionOptions, IBlueGreenDeploymentTarget } from '../blue-green/engine';
import { EnvironmentHooks } from '../blue-green/hooks';
import { SmokeTest } from '../blue-green/smoke-test';
import { TrafficShifting } from '../blue-green/traffic-shifting';
import { grantImagePull } from '../private/image-pull';
import { createDefaultVpc } from '../private/vpc';

/**
 * One environment of a containerised service on ECS Fargate, deployed blue/green by CodeDeploy.
 *
 * Creates (or reuses) the VPC and cluster, a task definition with an X-Ray daemon sidecar, the
 * Fargate service in private subnets, an Application Load Balancer with a production and a test
 * listener and two target groups, a CodeDeploy deployment group that rolls back on failure, on
 * stop and on alarm, the alarms, target-tracking autoscaling, the built-in smoke test and a
 * dashboard.
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
export class BlueGreenFargateService extends Construct implements IDashboardedService, IDeployTarget {
  /** The VPC of the service. */
  public readonly vpc: ec2.IVpc;
  /** The ECS cluster (created or passed in). */
  public readonly cluster: ecs.ICluster;
  /** The Fargate task definition. Its family is what each deployment registers a new revision of. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The application container. */
  public readonly container: ecs.ContainerDefinition;
  /** The Fargate service (CODE_DEPLOY deployment controller). */
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
  /** The capacity provider strategy of the service (repeated in every deployment's AppSpec). */
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
    this.production = s.production;
    this.environmentName = props.environmentName ?? id;
    this.blueGreen = props.blueGreen ?? BlueGreenDeployment.codeDeploy();
    warnAboutSettings(this, props, s);

    // ---- network and cluster --------------------------------------------------------------------
    if (props.cluster && props.vpc) {
      Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:vpcIgnored', 'vpc is ignored because cluster is given: the cluster\'s VPC is used');
    }
    if ((props.cluster || props.vpc) && props.natGateways !== undefined) {
      Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:natGatewaysIgnored', `natGateways (${props.natGateways}) is ignored because a vpc or cluster is given`);
    }
    if ((props.cluster || props.vpc) && props.vpcEndpoints !== undefined) {
      Annotations.of(this).addWarningV2('cdk-ecs-cicd-pipeline:vpcEndpointsIgnored', `vpcEndpoints (${props.vpcEndpoints}) is ignored because a vpc or cluster is given`);
    }
    this.vpc = props.cluster?.vpc ?? props.vpc
      ?? createDefaultVpc(this, 'Vpc', props.natGateways ?? (s.production ? 2 : 1), props.vpcEndpoints);
    this.cluster = props.cluster ?? new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
    });
    const capacityProviderStrategies = props.capacityProviderStrategies ?? defaultCapacityProviderStrategy(s.production);
    this.capacityProviderStrategies = capacityProviderStrategies;
    if (this.cluster instanceof ecs.Cluster && !props.cluster) {
      this.cluster.addDefaultCapacityProviderStrategy(capacityProviderStrategies);
    }

    // ---- task definition --------------------------------------------------------------------------
    const task = createServiceTask(this, props, s);
    this.logGroup = task.logGroup;
    this.taskDefinition = task.taskDefinition;
    this.container = task.container;

    // ---- load balancer ----------------------------------------------------------------------------
    const pair = createLoadBalancerPair(this, { vpc: this.vpc, environmentName: this.environmentName, props, settings: s });
    const { securityGroup: albSecurityGroup, protocol, productionCidrs, testCidrs } = pair;
    this.loadBalancer = pair.loadBalancer;
    this.blueTargetGroup = pair.blueTargetGroup;
    this.greenTargetGroup = pair.greenTargetGroup;
    this.productionListener = pair.productionListener;
    this.testListener = pair.testListener;
    this.url = pair.url;
    this.testUrl = pair.testUrl;
    this.aliasRecord = pair.aliasRecord;

    // ---- service ----------------------------------------------------------------------------------
    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: this.vpc,
      description: `Tasks of ${this.environmentName}: reachable only from the load balancer`,
      allowAllOutbound: true,
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      // No DesiredCount: the scalable target below owns the count. With a DesiredCount in the
      // template, every later update of the service (CloudFormation sends the whole property set)
      // resets a scaled-out service to it (aws-cdk issue 3919). aws-cdk-lib's FargateService writes
      // `desiredCount: undefined` as an absent DesiredCount whatever the feature flags say (the
      // flag @aws-cdk/aws-ecs-patterns:removeDefaultDesiredCount only concerns aws-ecs-patterns).
      // Without DesiredCount CloudFormation creates the service with 1 task and leaves the count
      // alone on updates (aws-cdk PR 13130, which made the same change in ecs-patterns behind that
      // flag); RegisterScalableTarget then moves the count into [minCapacity, maxCapacity]
      // (Application Auto Scaling API reference, RegisterScalableTarget).
      desiredCount: undefined,
      deploymentController: this.blueGreen.deploymentController,
      capacityProviderStrategies,
      securityGroups: [serviceSecurityGroup],
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      healthCheckGracePeriod: Duration.seconds(60),
    });
    if (this.cluster instanceof ecs.Cluster) {
      // The service uses the cluster's capacity providers, so it must be deleted before their
      // association, or CloudFormation fails with "capacity provider is in use". aws-cdk-lib creates
      // the AWS::ECS::ClusterCapacityProviderAssociations in an aspect at synthesis
      // (MaybeCreateCapacityProviderAssociations in aws-ecs/lib/cluster.js); this aspect, of lower
      // priority, runs after it on the cluster's new child.
      Aspects.of(this.cluster).add(new DependOnCapacityProviderAssociations(this.service.node.defaultChild as ecs.CfnService));
    }
    this.service.attachToApplicationTargetGroup(this.blueTargetGroup);
    // The green task set registers in the other target group: the same tasks' port must be open.
    serviceSecurityGroup.addIngressRule(albSecurityGroup, ec2.Port.tcp(s.containerPort), 'Load balancer to tasks');
    albSecurityGroup.addEgressRule(serviceSecurityGroup, ec2.Port.tcp(s.containerPort), 'Load balancer to tasks');

    // ---- autoscaling ------------------------------------------------------------------------------
    this.scalableTarget = configureAutoscaling(this.service, this.blueTargetGroup, props, s);

    // ---- alarms ---------------------------------------------------------------------------------
    this.alarms = createDeploymentAlarms(this, {
      environmentName: this.environmentName,
      blueTargetGroup: this.blueTargetGroup,
      greenTargetGroup: this.greenTargetGroup,
      loadBalancer: this.loadBalancer,
      http5xxThreshold: s.http5xxThreshold,
      responseTime: s.targetResponseTimeThreshold,
    });

    // ---- hooks: the built-in smoke test and the user's functions ---------------------------------
    const wired = wireHooks(this, props, s,
      { vpc: this.vpc, loadBalancer: this.loadBalancer, loadBalancerSecurityGroup: albSecurityGroup, protocol });
    this.smokeTest = wired.smokeTest;
    this.hooks = wired.hooks;

    // ---- deployment engine: controller wiring, hooks, rollback alarms -----------------------------
    this.deploymentTarget = this.blueGreen.bind(this, {
      environmentName: this.environmentName,
      service: this.service,
      taskDefinition: this.taskDefinition,
      productionListener: this.productionListener,
      testListener: this.testListener,
      blueTargetGroup: this.blueTargetGroup,
      greenTargetGroup: this.greenTargetGroup,
      alarms: [...this.alarms, ...(props.deploymentAlarms ?? [])],
      hooks: this.hooks,
      trafficShifting: props.trafficShifting ?? TrafficShifting.allAtOnce(),
      terminationWaitTime: s.terminationWaitTime,
    });

    // ---- dashboard and outputs --------------------------------------------------------------------
    if (props.dashboard ?? true) {
      this.dashboard = new ServiceDashboard(this, 'Dashboard', { service: this }).dashboard;
    }
    new CfnOutput(this, 'ProductionUrl', { value: this.url, description: `Production URL of ${this.environmentName}` });
    new CfnOutput(this, 'TestUrl', { value: this.testUrl, description: `Test listener URL of ${this.environmentName} (green task set during deployments)` });

    // Acknowledged whenever the production listener is open to the internet, by default or on purpose.
    const openProductionListener = s.internetFacing && productionCidrs.some(c => c === '0.0.0.0/0' || c === '::/0');
    const tokenCidrs = [...productionCidrs, ...testCidrs].some(c => Token.isUnresolved(c));
    addServiceNagAcknowledgements(this.loadBalancer, this.taskDefinition, albSecurityGroup,
      openProductionListener, tokenCidrs, props.accessLogBucket === undefined);
  }

  /** The AppSpec `Hooks` section of this environment: lifecycle event -> function ARN. */
  public get appSpecHooks(): { [lifecycleEvent: string]: string } {
    return appSpecHooks(this.hooks);
  }

  /**
   * The CodeDeploy application.
   * @throws when the environment's `blueGreen` engine is not `BlueGreenDeployment.codeDeploy()`
   */
  public get application(): codedeploy.EcsApplication {
    return this.codeDeployTarget('application').application;
  }

  /**
   * The CodeDeploy deployment group (blue/green, automatic rollback on failure and on alarm).
   * @throws when the environment's `blueGreen` engine is not `BlueGreenDeployment.codeDeploy()`
   */
  public get deploymentGroup(): codedeploy.EcsDeploymentGroup {
    return this.codeDeployTarget('deploymentGroup').deploymentGroup;
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
    grantImagePull(repository, this.imagePuller);
  }

  private codeDeployTarget(prop: string): CodeDeployDeploymentTarget {
    if (!(this.deploymentTarget instanceof CodeDeployDeploymentTarget)) {
      throw new Error(`${prop} exists only when blueGreen is BlueGreenDeployment.codeDeploy(); environment '${this.environmentName}' uses another engine`);
    }
    return this.deploymentTarget;
  }


}
