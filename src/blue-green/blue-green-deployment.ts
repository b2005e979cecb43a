import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { CodeDeployEngine } from './codedeploy/engine';
import { CodeDeployBlueGreenOptions } from './codedeploy/options';
import { EcsNativeEngine } from './ecs-native/engine';
import { EcsNativeBlueGreenOptions } from './ecs-native/options';
import type { BlueGreenBindOptions, BlueGreenServiceConfig, BlueGreenServiceConfigOptions, IBlueGreenDeploymentTarget } from './engine';
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

  /**
   * Blue/green, canary or linear deployments run by Amazon ECS itself (ECS deployment controller,
   * `BLUE_GREEN`, `CANARY` or `LINEAR` strategy from the environment's `trafficShifting`): an
   * alternate target group and production/test listener rules that ECS rewrites, the hooks as ECS
   * lifecycle hooks, deployment alarms with rollback, and CodePipeline's standard ECS deploy action.
   * No CodeDeploy resources; lifts CodeDeploy's limits on ECS (e.g. Service Connect).
   *
   * CloudFormation learns every image the engine deploys, so a later `cdk deploy` keeps the
   * running image (see the README, "Deployment engines").
   */
  public static ecsNative(options: EcsNativeBlueGreenOptions = {}): BlueGreenDeployment {
    return new EngineDeployment(new EcsNativeEngine(options));
  }

  /** The deployment controller the service is created with. */
  public abstract readonly deploymentController: ecs.DeploymentController;

  /**
   * How the service is created: its deployment controller and, for engines that need them, the
   * deployment strategy and the alternate target. Called once by the service, before it exists.
   *
   * @param _scope the service: resources the configuration needs (e.g. listener rules) are created in it
   * @param _options the load balancer pair and the traffic shifting
   */
  public configureService(_scope: Construct, _options: BlueGreenServiceConfigOptions): BlueGreenServiceConfig {
    return { deploymentController: this.deploymentController };
  }

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

  public configureService(scope: Construct, options: BlueGreenServiceConfigOptions): BlueGreenServiceConfig {
    return this.engine.configureService(scope, options);
  }

  public bind(scope: Construct, options: BlueGreenBindOptions): IBlueGreenDeploymentTarget {
    return this.engine.bind(scope, options);
  }
}
