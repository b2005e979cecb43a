import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { BlueGreenBindOptions, BlueGreenServiceConfig, BlueGreenServiceConfigOptions, IBlueGreenDeploymentTarget } from './engine';

/**
 * The contract an engine implements (internal: engines are reached through
 * `BlueGreenDeployment`'s static factories).
 */
export interface BlueGreenEngine {
  /** The deployment controller the service is created with. */
  readonly deploymentController: ecs.DeploymentController;
  /** How the service is created (called before the service exists, in the service's scope). */
  configureService(scope: Construct, options: BlueGreenServiceConfigOptions): BlueGreenServiceConfig;
  /** Wires the engine into one environment (created in `scope`). */
  bind(scope: Construct, options: BlueGreenBindOptions): IBlueGreenDeploymentTarget;
}

/** What the message about a deployment that waits for a person names. */
export interface ManualStepNotice {
  /** The environment. */
  readonly environmentName: string;
  /** The test listener's URL, where the person checks the new version first. */
  readonly testUrl: string;
  /** How long the deployment waits. */
  readonly timeout: Duration;
}

/**
 * A bound engine whose deployments can wait for a person (`manualRerouteTimeout`) and that tells
 * the people on the pipeline's approval topic when one does. Engine-neutral: the pipeline asks
 * every environment's target, and only the engines that wait answer.
 */
export interface ManualStepNotifier {
  /** Creates in `scope` whatever publishes the notice to `topic` when a deployment waits. */
  notifyManualSteps(scope: Construct, topic: sns.ITopic, notice: ManualStepNotice): void;
}

/** Whether a bound engine tells people about the deployments that wait for them. */
export function isManualStepNotifier(target: IBlueGreenDeploymentTarget): target is IBlueGreenDeploymentTarget & ManualStepNotifier {
  return typeof (target as Partial<ManualStepNotifier>).notifyManualSteps === 'function';
}
