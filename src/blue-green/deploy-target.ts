import * as iam from 'aws-cdk-lib/aws-iam';
import { IBlueGreenDeploymentTarget } from './engine';

/**
 * An environment as a pipeline sees it: its name, its URL, who pulls its image and the actions
 * that deploy it. The pipeline needs nothing else, so an environment can live in another stack
 * (or, later, another account) than the pipeline. `BlueGreenFargateService` is one.
 */
export interface IDeployTarget extends IBlueGreenDeploymentTarget {
  /** Name of the environment, e.g. 'prod'. */
  readonly environmentName: string;
  /** Production URL of the environment. */
  readonly url: string;
  /**
   * Who pulls the image the pipeline promotes (e.g. the task definition's execution role): grant
   * it with `repository.grantPull(target.imagePuller)`.
   */
  readonly imagePuller: iam.IGrantable;
}
