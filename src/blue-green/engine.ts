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
   * The pipeline action that deploys this environment from the build output.
   *
   * @param scope where the action's own resources (e.g. its role) are created: the pipeline's
   * construct, or the environment when it has a stack of its own (another account or region, or
   * `stackPerEnvironment`). There the role must not name the pipeline's resources: see
   * `action-role.ts` (trust, artifact grants) for what every engine's action needs.
   */
  deployAction(scope: Construct, options: DeployActionOptions): codepipeline.IAction;
}
