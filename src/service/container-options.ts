import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * One more container of the task whose image the pipeline builds from the same commit as the
 * application's (e.g. an nginx reverse proxy in front of the app), pushes to the same repository
 * (tag `<commit>-<name>`), gates on the same scan and deploys by digest with the application's.
 */
export interface BuiltContainerOptions {
  /**
   * Name of the container in the task definition: 1-64 letters, digits, hyphens or underscores,
   * starting with a letter; unique, and neither the application container's name nor
   * 'xray-daemon'. Its image tag is `<commit>-<name>`.
   */
  readonly name: string;

  /** Docker build context of the image, relative to the repository root (e.g. 'proxy'). */
  readonly buildDirectory: string;

  /**
   * Path of the image's Dockerfile, relative to the repository root.
   * @default - `Dockerfile` in `buildDirectory`
   */
  readonly dockerfile?: string;

  /**
   * `--build-arg` values for the image's `docker build`.
   * @default - none
   */
  readonly buildArgs?: { [key: string]: string };

  /**
   * Port the container listens on (TCP). Needed when the load balancer targets this container
   * (`loadBalancerContainerName`); must differ from the other containers' ports (they share the
   * task's network namespace).
   * @default - no port mapping
   */
  readonly containerPort?: number;

  /**
   * CPU units reserved for the container. Fargate requires the containers' reservations together
   * (every additional container's `cpu`, plus 32 for the X-Ray sidecar) to be at most the task's `cpu`.
   * @default - none reserved: the container shares the task's CPU
   */
  readonly cpu?: number;

  /**
   * Hard memory limit of the container in MiB. Fargate requires the containers' memory together
   * (every additional container's `memoryLimitMiB`, plus the 256 MiB the X-Ray sidecar reserves) to
   * be at most the task's `memoryLimitMiB`.
   * @default - no limit of its own: the task's memory
   */
  readonly memoryLimitMiB?: number;

  /**
   * Plain environment variables of the container.
   * @default - none
   */
  readonly environment?: { [key: string]: string };

  /**
   * Secrets injected into the container (the task execution role is granted read access).
   * @default - no secrets
   */
  readonly secrets?: { [key: string]: ecs.Secret };

  /**
   * Command of the container.
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * Whether the task stops when this container stops.
   * @default true
   */
  readonly essential?: boolean;

  /**
   * Container-level health check.
   * @default - none
   */
  readonly containerHealthCheck?: ecs.HealthCheck;
}

/**
 * The application container and its task: the same in every environment of a pipeline.
 */
export interface ContainerOptions {
  /**
   * Name of the application container in the task definition (and in the AppSpec).
   * @default 'app'
   */
  readonly containerName?: string;

  /**
   * Port the application listens on (TCP).
   * @default 8080
   */
  readonly containerPort?: number;

  /**
   * Path the load balancer and the smoke test call to decide whether a task is healthy.
   * @default '/'
   */
  readonly healthCheckPath?: string;

  /**
   * Task CPU units. Must form a valid Fargate size with `memoryLimitMiB`.
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Task memory in MiB. Must form a valid Fargate size with `cpu`.
   * @default 512
   */
  readonly memoryLimitMiB?: number;

  /**
   * CPU architecture of the task (and of the CodeBuild image that builds it in a pipeline).
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * Plain environment variables of the application container.
   * @default - none besides `AWS_XRAY_DAEMON_ADDRESS` when X-Ray is on
   */
  readonly environment?: { [key: string]: string };

  /**
   * Secrets injected into the application container from Secrets Manager or SSM Parameter Store.
   * The task execution role is granted read access to each.
   * @default - no secrets
   */
  readonly secrets?: { [key: string]: ecs.Secret };

  /**
   * Command of the application container.
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * Container-level health check (in addition to the load balancer's).
   * @default - none; the target group health check decides
   */
  readonly containerHealthCheck?: ecs.HealthCheck;

  /**
   * Run the AWS X-Ray daemon as a sidecar (UDP 2000), set `AWS_XRAY_DAEMON_ADDRESS` on the app and
   * allow the task role to send traces.
   * @default true
   */
  readonly xray?: boolean;

  /**
   * Image of the X-Ray daemon sidecar. The default is pinned to a released version so a task
   * never changes under you; pass a newer tag (or your own mirror) to upgrade.
   * @default ecs.ContainerImage.fromRegistry('public.ecr.aws/xray/aws-xray-daemon:3.6.6')
   */
  readonly xrayDaemonImage?: ecs.ContainerImage;

  /**
   * More containers of the task, each with an image the pipeline builds from the same commit as
   * the application's and deploys by digest with it (e.g. a reverse proxy sidecar). They log to
   * the task's log group under their own stream prefix (their name) and run the bootstrap image
   * until the pipeline's first deployment.
   * @default - none: the application container (and the X-Ray sidecar) only
   */
  readonly additionalContainers?: BuiltContainerOptions[];

  /**
   * Name of the container the load balancer sends traffic to (at its `containerPort`): the
   * application container or one of `additionalContainers` with a `containerPort`. The health
   * check (`healthCheckPath`) and the deployments' AppSpec follow it.
   * @default - the application container (`containerName`)
   */
  readonly loadBalancerContainerName?: string;

  /**
   * How long container logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * KMS key that encrypts the container log group. Its key policy must allow the CloudWatch Logs
   * service principal of the region to use it.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * What happens to the container log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}
