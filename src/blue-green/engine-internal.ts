import * as ecs from 'aws-cdk-lib/aws-ecs';
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
