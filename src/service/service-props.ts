import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ContainerOptions } from './container-options';
import { DeploymentEnvironmentOptions } from './options';

/** Properties of a {@link BlueGreenFargateService}. */
export interface BlueGreenFargateServiceProps extends ContainerOptions, DeploymentEnvironmentOptions {
  /**
   * Image the service starts with. In blue/green (CodeDeploy) mode this is only the bootstrap
   * image: every deployment replaces it with the image in the deployment's task definition.
   * @default - a small public busybox image that answers 200 on `healthCheckPath` at `containerPort`,
   * so the first stack deployment stabilises before your pipeline has pushed an image
   */
  readonly image?: ecs.ContainerImage;

  /**
   * VPC of the service and its load balancer. Ignored when `cluster` is given (the cluster's VPC
   * is used).
   * @default - a new VPC with 2 AZs, public and private subnets, `natGateways` NAT gateways and
   * flow logs
   */
  readonly vpc?: ec2.IVpc;

  /**
   * NAT gateways of the VPC created when none is passed in (1 or 2). The tasks need egress to
   * pull images, send logs and traces, and hooks to report to CodeDeploy: with one NAT gateway an
   * outage of its AZ cuts all of that off. Each NAT gateway costs per hour and per GB processed.
   * @default - 2 (one per AZ) in production, 1 elsewhere
   */
  readonly natGateways?: number;

  /**
   * Give the VPC created when none is passed in interface endpoints for ECR (api and dkr) and
   * CloudWatch Logs, so image pulls and logs do not depend on NAT. Interface endpoints cost per
   * AZ-hour (3 endpoints x 2 AZs) and per GB. The free S3 gateway endpoint is always added.
   * @default false
   */
  readonly vpcEndpoints?: boolean;

  /**
   * Existing ECS cluster to run in. Its capacity providers must include FARGATE (and FARGATE_SPOT
   * when the default non-production strategy is used).
   * @default - a new cluster with Container Insights and the Fargate capacity providers
   */
  readonly cluster?: ecs.ICluster;

  /**
   * Name of the environment, used in descriptions, outputs and the dashboard name.
   * @default - the construct id
   */
  readonly environmentName?: string;
}
