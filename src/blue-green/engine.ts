import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EnvironmentHooks } from './hooks';
import { TrafficShifting } from './traffic-shifting';

/**
 * What an engine sees before the service exists: the load balancer pair it will route through and
 * how traffic moves. Engine-neutral.
 */
export interface BlueGreenServiceConfigOptions {
  /** Name of the environment (used in descriptions and error messages). */
  readonly environmentName: string;
  /** The listener that serves production traffic. */
  readonly productionListener: elbv2.ApplicationListener;
  /** The listener that serves the new version before the shift. */
  readonly testListener: elbv2.ApplicationListener;
  /** The target group production traffic starts on. */
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  /** The other target group. */
  readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  /** How traffic moves to the new version; the engine translates it. */
  readonly trafficShifting: TrafficShifting;
  /** How long the old version is kept after the shift (the environment's setting). */
  readonly terminationWaitTime: Duration;
}

/** How an engine wants the service created (the `ecs.FargateService` props it owns). */
export interface BlueGreenServiceConfig {
  /** The deployment controller. */
  readonly deploymentController: ecs.DeploymentController;
  /**
   * The ECS deployment strategy (ECS controller only).
   * @default - none (the controller's default)
   */
  readonly deploymentStrategy?: ecs.DeploymentStrategy;
  /**
   * How long ECS keeps the old revision after the shift (ECS blue/green, canary, linear).
   * @default - none
   */
  readonly bakeTime?: Duration;
  /**
   * Canary traffic shift (CANARY strategy).
   * @default - none
   */
  readonly canaryConfiguration?: ecs.TrafficShiftConfig;
  /**
   * Linear traffic shift (LINEAR strategy).
   * @default - none
   */
  readonly linearConfiguration?: ecs.TrafficShiftConfig;
  /**
   * Deployment circuit breaker (ECS controller only).
   * @default - none
   */
  readonly circuitBreaker?: ecs.DeploymentCircuitBreaker;
  /**
   * The alternate target group and listener rules ECS shifts between (ECS blue/green).
   * @default - the service is attached to the blue target group only
   */
  readonly alternateTarget?: ecs.IAlternateTarget;
  /**
   * Whether the engine's deployments replace only the images of the service's current task
   * definition (CodePipeline's standard ECS action does): then the task definition CloudFormation
   * creates must run the real command from the start, and the service's bootstrap image is one
   * that needs no command of its own.
   * @default false
   */
  readonly deploysImagesOnly?: boolean;
}

/**
 * What a deployment engine binds to: one environment's service, its load balancer pair, the
 * alarms that roll a deployment back and the hooks. Engine-neutral: every engine gets the same.
 */
export interface BlueGreenBindOptions {
  /** Name of the environment (used in descriptions and the pipeline's file names). */
  readonly environmentName: string;
  /** The service, created with the engine's `deploymentController`. */
  readonly service: ecs.FargateService;
  /** The service's task definition. */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The listener that serves production traffic. */
  readonly productionListener: elbv2.ApplicationListener;
  /** The listener that serves the new version before the shift. */
  readonly testListener: elbv2.ApplicationListener;
  /** The target group production traffic starts on. */
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  /** The other target group. */
  readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  /** Alarms that roll a deployment back (built-in and the user's). */
  readonly alarms: cloudwatch.IAlarm[];
  /** Functions run at the deployment's hook points (the smoke test included). */
  readonly hooks: EnvironmentHooks;
  /** How traffic moves to the new version; the engine translates it. */
  readonly trafficShifting: TrafficShifting;
  /** How long the old version is kept after the shift. */
  readonly terminationWaitTime: Duration;
  /**
   * How long the rollback alarms need to evaluate a new version: the engine warns when the time it
   * keeps the old version after the last shift is shorter.
   * @default - no check
   */
  readonly rollbackAlarmWindow?: Duration;
  /**
   * The containers whose images the pipeline delivers (they start with the bootstrap image);
   * empty when the service runs an image given in its props.
   * @default - none
   */
  readonly deliveredContainers?: ecs.ContainerDefinition[];
  /**
   * How long the green version waits on the test listener for a person to move production
   * traffic; the deployment rolls back when nobody does.
   * @default - no manual reroute
   */
  readonly manualRerouteTimeout?: Duration;
  /**
   * The service's capacity provider strategy, for engines whose deployments must repeat it.
   * @default - none (the cluster's default strategy)
   */
  readonly capacityProviderStrategies?: ecs.CapacityProviderStrategy[];
}

/** What the pipeline gives an engine to deploy one environment. */
export interface DeployActionOptions {
  /** Name of the action. */
  readonly actionName: string;
  /** Order of the action in its stage. */
  readonly runOrder: number;
  /** The build's output artifact: it holds the files named by `buildOutputFiles`. */
  readonly buildOutput: codepipeline.Artifact;
  /** The pipeline's role, which assumes the action's role. */
  readonly pipelineRole: iam.IRole;
  /** The pipeline's artifact bucket. */
  readonly artifactBucket: s3.IBucket;
}

/** An engine bound to one environment: what the pipeline needs to deploy it. */
export interface IBlueGreenDeploymentTarget {
  /** Files the image build must write into its output artifact for this environment. */
  readonly buildOutputFiles: string[];
  /**
   * What else the image build needs to write those files, in the engine's own terms (e.g. the
   * CodeDeploy engine's hooks and capacity provider strategy for the AppSpec). It travels as JSON
   * in the environment's build variable, next to the name, task definition, container and port.
   * @default - nothing beyond the environment's task definition and container
   */
  readonly buildData?: { [key: string]: any };
  /**
   * The pipeline action that deploys this environment from the build output.
   *
   * @param scope where the action's own resources (e.g. its role) are created: the pipeline's
   * construct, or the environment when it has a stack of its own (another account or region, or
   * `stackPerEnvironment`). There the action's role must not name the pipeline's role, bucket or
   * key (the pipeline's stack depends on the environment's, so that would be a cycle): trust the
   * pipeline's account (`new iam.AccountPrincipal(Stack.of(options.pipelineRole).account)`) with a
   * generated name, and let the artifact bucket's and key's resource policies admit the role. The
   * built-in engines do exactly that.
   */
  deployAction(scope: Construct, options: DeployActionOptions): codepipeline.IAction;
}
