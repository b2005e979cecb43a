import { Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduledScalingAction } from './scheduled-scaling';
import type { BlueGreenDeployment } from '../blue-green/blue-green-deployment';
import { EnvironmentHooks } from '../blue-green/hooks';
import { SmokeTestOptions } from '../blue-green/smoke-test-options';
import { TrafficShifting } from '../blue-green/traffic-shifting';

/**
 * Everything that may differ between environments: capacity, listeners, traffic shifting, hooks.
 */
export interface DeploymentEnvironmentOptions {
  /**
   * Whether this is a production environment: production gets FARGATE capacity only (no Spot),
   * 2 tasks by default, a 5-minute wait before the old task set is terminated and, in a pipeline,
   * an approval before its deployment.
   *
   * A pipeline with several environments never infers production from the order: mark each
   * production environment with `production: true` (synth fails otherwise), so appending an
   * environment can never take these defaults away from an existing one.
   * @default - false for a standalone service and for unmarked environments of a pipeline with
   * several environments; true for the only environment of a one-environment pipeline
   */
  readonly production?: boolean;

  /**
   * Number of tasks the service starts with: the default of `minCapacity`.
   *
   * The service itself carries no `DesiredCount`: autoscaling owns the count, so a later stack
   * update can never reset a scaled-out service (aws-cdk issue 3919). ECS creates the service with
   * 1 task and Application Auto Scaling raises it to `minCapacity` when it registers the scalable
   * target. A `desiredCount` that differs from `minCapacity` therefore has no effect (warning).
   * @default - `minCapacity` when set, otherwise 2 in production and 1 elsewhere
   */
  readonly desiredCount?: number;

  /**
   * Autoscaling minimum.
   * @default - `desiredCount`
   */
  readonly minCapacity?: number;

  /**
   * Autoscaling maximum.
   * @default 10
   */
  readonly maxCapacity?: number;

  /**
   * Target average CPU utilization (percent) of the CPU target-tracking policy.
   * @default 70
   */
  readonly cpuTargetUtilization?: number;

  /**
   * Target average memory utilization (percent) of the memory target-tracking policy.
   * @default 80
   */
  readonly memoryTargetUtilization?: number;

  /**
   * Target requests per task per minute: adds an ALB request-count target-tracking policy.
   * The policy tracks the blue target group; after a blue/green cutover the live tasks sit in the
   * other group, so prefer CPU/memory tracking unless you know you need this.
   * @default - no request-count policy
   */
  readonly requestsPerTarget?: number;

  /**
   * Scale-out cooldown of the target-tracking policies.
   * @default Duration.seconds(60)
   */
  readonly scaleOutCooldown?: Duration;

  /**
   * Scale-in cooldown of the target-tracking policies.
   * @default Duration.seconds(300)
   */
  readonly scaleInCooldown?: Duration;

  /**
   * Scheduled capacity changes.
   * @default - none
   */
  readonly scheduledScaling?: ScheduledScalingAction[];

  /**
   * Capacity provider strategy of the service.
   * @default - FARGATE base 1 weight 1 + FARGATE_SPOT weight 4 outside production; FARGATE only
   * in production
   */
  readonly capacityProviderStrategies?: ecs.CapacityProviderStrategy[];

  /**
   * Port of the production listener.
   * @default - 443 with a certificate, otherwise 80
   */
  readonly productionListenerPort?: number;

  /**
   * Port of the test listener that serves the green task set during a deployment.
   * @default - 8443 with a certificate, otherwise 8080
   */
  readonly testListenerPort?: number;

  /**
   * Certificate for HTTPS listeners. With a certificate, port 80 redirects to HTTPS. Set
   * `domainName` to a name the certificate covers: no certificate covers the load balancer's own
   * DNS name (warning without it).
   * @default - HTTP listeners
   */
  readonly certificate?: acm.ICertificate;

  /**
   * DNS name clients use for this environment, e.g. 'shop.acme.example' (no scheme or port).
   * It replaces the load balancer's DNS name in `url`, `testUrl`, the stack outputs, the
   * integration tests' `SERVICE_URL` and the approval link.
   * @default - the load balancer's DNS name
   */
  readonly domainName?: string;

  /**
   * Hosted zone in which to create an alias record `domainName` -> load balancer. Requires
   * `domainName`, which must lie in the zone.
   * @default - no record: point `domainName` at the load balancer yourself
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * Whether the load balancer is internet-facing.
   * @default true
   */
  readonly internetFacing?: boolean;

  /**
   * CIDR blocks allowed to reach the production listener.
   * @default - ['0.0.0.0/0'] when internet-facing, the VPC CIDR otherwise
   */
  readonly productionListenerAllowedCidrs?: string[];

  /**
   * CIDR blocks allowed to reach the test listener (besides the built-in smoke test and the hook
   * functions in the VPC, which are admitted by security group). Production's test listener does
   * not admit the VPC CIDR by default: other environments sharing the VPC must not reach
   * production's unreleased green version.
   * @default - the VPC CIDR outside production; none in production
   */
  readonly testListenerAllowedCidrs?: string[];

  /**
   * Deletion protection of the load balancer. While it is on, deleting the stack (or replacing the
   * load balancer) fails: set it to false and deploy before you delete a production environment.
   * @default - true in production, false elsewhere
   */
  readonly loadBalancerDeletionProtection?: boolean;

  /**
   * Bucket for the load balancer's access logs.
   * @default - access logs off
   */
  readonly accessLogBucket?: s3.IBucket;

  /**
   * The engine that runs this environment's blue/green deployments.
   * @default - `BlueGreenDeployment.codeDeploy()` (in a pipeline: the pipeline's `blueGreen`)
   */
  readonly blueGreen?: BlueGreenDeployment;
  /**
   * How production traffic moves to the new version.
   * @default TrafficShifting.allAtOnce()
   */
  readonly trafficShifting?: TrafficShifting;

  /**
   * How long the old (blue) task set keeps running after a successful cutover, so a rollback is
   * instant. CodeDeploy watches the alarms until then: a wait shorter than the built-in alarms'
   * window (4 minutes) lets an all-at-once deployment end before they can roll it back (warning).
   * @deprecated set it on the engine: `BlueGreenDeployment.codeDeploy({ terminationWaitTime })`, or
   * `BlueGreenDeployment.ecsNative({ bakeTime })` (which defaults to this value)
   * @default - 5 minutes in production, 4 minutes elsewhere (the longest built-in alarm window of
   * 3 minutes plus 1 minute for the metrics to arrive)
   */
  readonly terminationWaitTime?: Duration;

  /**
   * Let a person move production traffic: the green task set serves the test listener only, and
   * the deployment waits (after the `AfterAllowTestTraffic` hooks, the smoke test included) until
   * someone chooses "Reroute traffic" on the deployment in the CodeDeploy console or runs
   * `aws deploy continue-deployment --deployment-id <id> --deployment-wait-type READY_WAIT`. If
   * nobody does within this time, the deployment stops and rolls back (production stays on blue).
   *
   * With CodeDeploy: whole minutes, 1 minute to 2 days. In a pipeline, the environment's `Deploy`
   * action waits as long (CodeDeploy's action may run 5 days: this wait plus the traffic shifting
   * and `terminationWaitTime` must fit), and a message with the link to the waiting deployment goes
   * to the approval topic (the notification topic when no environment has an approval).
   * @default - no manual reroute: production traffic moves as soon as the hooks pass
   */
  readonly manualRerouteTimeout?: Duration;

  /**
   * p99 target response time above which the deployment is rolled back.
   * @default Duration.seconds(2)
   */
  readonly targetResponseTimeThreshold?: Duration;

  /**
   * Number of target 5xx responses in one minute, on either target group, that rolls the
   * deployment back.
   * @default 5
   */
  readonly http5xxThreshold?: number;

  /**
   * More alarms that roll a deployment back (with `BlueGreenDeployment.codeDeploy()` at most 5: a
   * deployment group holds 10 alarms and 5 are built in).
   * @default - only the alarms this construct creates
   */
  readonly deploymentAlarms?: cloudwatch.IAlarm[];

  /**
   * Lambda functions for the deployment hook points of this environment (see `EnvironmentHooks` for
   * each engine's contract).
   * @default - only the built-in smoke test (AfterAllowTestTraffic)
   */
  readonly hooks?: EnvironmentHooks;

  /**
   * Run the built-in smoke test as the `AfterAllowTestTraffic` hook: it calls the health check
   * path through the test listener and fails the deployment unless every answer is healthy, so a
   * broken green task set never receives production traffic.
   * @default - true, unless `hooks.afterAllowTestTraffic` is given
   */
  readonly smokeTest?: boolean;

  /**
   * Settings of the built-in smoke test. `attempts` x (`timeout` + 1 s) + 30 s must stay within
   * Lambda's 900-second limit.
   * @default - see `SmokeTestOptions`
   */
  readonly smokeTestOptions?: SmokeTestOptions;

  /**
   * Create a CloudWatch dashboard for the environment.
   * @default true
   */
  readonly dashboard?: boolean;
}
