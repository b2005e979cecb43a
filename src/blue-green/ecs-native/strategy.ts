import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { TrafficShifting } from '../traffic-shifting';

/** ECS's LINEAR strategy shifts at least 3 % per step (aws-cdk-lib's validateLinearConfiguration: 3.0-100.0). */
export const MIN_LINEAR_STEP_PERCENT = 3;
/**
 * CodePipeline's standard ECS deploy action waits at most 60 minutes for the service
 * (`EcsDeployAction.deploymentTimeout`: 1-60 minutes).
 */
export const MAX_ECS_ACTION_TIMEOUT = Duration.minutes(60);
/**
 * Time a deployment needs besides the waits it is configured with: green tasks starting and
 * passing two health checks, the test traffic shift, the smoke test (at most 15 minutes with
 * its own settings, usually seconds) and draining the old tasks. A margin, not a measurement.
 */
export const DEPLOYMENT_OVERHEAD = Duration.minutes(15);
/**
 * The longest bake time a deployment can have: ECS itself accepts up to 1440 minutes
 * (AWS::ECS::Service DeploymentConfiguration.BakeTimeInMinutes), but the deploy action must see the
 * deployment finish, so shift time + bake time + {@link DEPLOYMENT_OVERHEAD} must fit
 * {@link MAX_ECS_ACTION_TIMEOUT}: 45 minutes with an all-at-once shift, less with canary or linear.
 */
export const MAX_ECS_NATIVE_BAKE_TIME = MAX_ECS_ACTION_TIMEOUT.minus(DEPLOYMENT_OVERHEAD);

/** The ECS deployment strategy for a traffic shifting, with its step configuration. */
export interface EcsStrategy {
  readonly deploymentStrategy: ecs.DeploymentStrategy;
  readonly canaryConfiguration?: ecs.TrafficShiftConfig;
  readonly linearConfiguration?: ecs.TrafficShiftConfig;
  /** The time the traffic shift itself waits (canary: one interval; linear: one per step but the last). */
  readonly shiftDuration: Duration;
}

/**
 * Translates the engine-neutral traffic shifting: all-at-once -> BLUE_GREEN, canary -> CANARY
 * (`percent` first, the rest after `interval`), linear -> LINEAR (`percent` every `interval`).
 * Throws, naming the environment and the prop, on values ECS does not accept.
 */
export function ecsStrategy(environmentName: string, shifting: TrafficShifting): EcsStrategy {
  const at = `environment '${environmentName}': trafficShifting (${describeShifting(shifting)})`;
  if (shifting.kind === 'ALL_AT_ONCE') {
    return { deploymentStrategy: ecs.DeploymentStrategy.BLUE_GREEN, shiftDuration: Duration.minutes(0) };
  }
  // No check of the interval against ECS's 1440 minutes per step: checkDeploymentFitsAction's
  // 60 minutes for the whole deployment are stricter.
  const interval = shifting.interval!;
  const percent = shifting.percent!;
  const step: ecs.TrafficShiftConfig = { stepPercent: percent, stepBakeTime: interval };
  if (shifting.kind === 'CANARY') {
    return { deploymentStrategy: ecs.DeploymentStrategy.CANARY, canaryConfiguration: step, shiftDuration: interval };
  }
  if (percent < MIN_LINEAR_STEP_PERCENT) {
    throw new Error(`${at}: ECS's LINEAR strategy moves at least ${MIN_LINEAR_STEP_PERCENT}% per step; use a percent of ${MIN_LINEAR_STEP_PERCENT}-99 or BlueGreenDeployment.codeDeploy()`);
  }
  const waits = Math.ceil(100 / percent) - 1;
  return {
    deploymentStrategy: ecs.DeploymentStrategy.LINEAR,
    linearConfiguration: step,
    shiftDuration: Duration.minutes(waits * interval.toMinutes()),
  };
}

/** e.g. `canary 10% then the rest after 5 minutes`. */
export function describeShifting(shifting: TrafficShifting): string {
  switch (shifting.kind) {
    case 'CANARY': return `canary ${shifting.percent}% then the rest after ${shifting.interval!.toHumanString()}`;
    case 'LINEAR': return `linear ${shifting.percent}% every ${shifting.interval!.toHumanString()}`;
    default: return 'all at once';
  }
}

/**
 * Throws unless a deployment that shifts in `shiftDuration` and bakes for `bakeTime` fits the ECS
 * deploy action's wait: their sum plus {@link DEPLOYMENT_OVERHEAD} must be at most
 * {@link MAX_ECS_ACTION_TIMEOUT}, the timeout the action is then given. `bakeTimeProp` names where
 * the bake time came from.
 */
export function checkDeploymentFitsAction(environmentName: string, shifting: TrafficShifting, shiftDuration: Duration,
  bakeTimeProp: string, bakeTime: Duration): void {
  const needed = shiftDuration.toMinutes() + bakeTime.toMinutes() + DEPLOYMENT_OVERHEAD.toMinutes();
  if (needed > MAX_ECS_ACTION_TIMEOUT.toMinutes()) {
    throw new Error(`environment '${environmentName}': an ECS-native deployment with trafficShifting (${describeShifting(shifting)}) and ${bakeTimeProp} `
      + `(${bakeTime.toHumanString()}) needs about ${needed} minutes (${DEPLOYMENT_OVERHEAD.toMinutes()} of them for tasks, health checks and hooks), `
      + `but CodePipeline's ECS deploy action waits at most ${MAX_ECS_ACTION_TIMEOUT.toMinutes()}: shorten the bake time or the traffic shift, `
      + 'or use BlueGreenDeployment.codeDeploy() (its action waits for the whole deployment)');
  }
}
