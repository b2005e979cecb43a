import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { CodeDeployEngine } from './codedeploy/engine';
import { CodeDeployBlueGreenOptions } from './codedeploy/options';
import type { BlueGreenBindOptions, IBlueGreenDeploymentTarget } from './engine';
import type { BlueGreenEngine } from './engine-internal';

/**
 * The engine that runs an environment's blue/green deployments. It binds to a service (its
 * deployment controller, the deployment group or equivalent, hooks and rollback alarms) and tells
 * the pipeline how to deploy that environment (the deploy action, the files the build writes).
 *
 * Adding an engine means one new subclass (or static factory); the service and the pipeline do not
 * branch on the engine.
 */
export abstract class BlueGreenDeployment {
  /**
   * Blue/green deployments by AWS CodeDeploy: a CODE_DEPLOY deployment controller, an application
   * and a deployment group per environment, the hooks as AppSpec lifecycle hooks, and CodePipeline's
   * CodeDeploy ECS deploy action.
   */
  public static codeDeploy(options: CodeDeployBlueGreenOptions = {}): BlueGreenDeployment {
    return new EngineDeployment(new CodeDeployEngine(options));
  }

  /** The deployment controller the service is created with. */
  public abstract readonly deploymentController: ecs.DeploymentController;

  /**
   * Wires the engine into one environment; called once by the service.
   *
   * @param scope the service: the engine's resources are created in it
   * @param options the service's parts the engine needs
   */
  public abstract bind(scope: Construct, options: BlueGreenBindOptions): IBlueGreenDeploymentTarget;
}

/** A `BlueGreenDeployment` backed by one of the library's engines. */
class EngineDeployment extends BlueGreenDeployment {
  public readonly deploymentController: ecs.DeploymentController;

  constructor(private readonly engine: BlueGreenEngine) {
    super();
    this.deploymentController = engine.deploymentController;
  }

  public bind(scope: Construct, options: BlueGreenBindOptions): IBlueGreenDeploymentTarget {
    return this.engine.bind(scope, options);
  }
}
