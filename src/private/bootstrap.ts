import * as nodePath from 'path';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/** Docker label that marks a container running the bootstrap command instead of its real one. */
export const BOOTSTRAP_LABEL = 'cdk-ecs-cicd-pipeline.bootstrap';
/** Docker label holding the real command (JSON) of a bootstrapped container. */
export const BOOTSTRAP_COMMAND_LABEL = 'cdk-ecs-cicd-pipeline.command';
/** The public image bootstrap containers run until the pipeline's first deployment. */
const BOOTSTRAP_IMAGE = 'public.ecr.aws/docker/library/busybox:stable';

/**
 * The bootstrap container settings used when no image is given: public busybox answering 200 on
 * the health check path at the container port, so the first stack deployment stabilises (and the
 * rollback alarms stay quiet) before the pipeline has pushed an image. The real command travels in
 * a Docker label; the pipeline's build restores it (and drops the labels) when it renders the
 * task definition, so deployed revisions never run the bootstrap command.
 */
export interface BootstrapContainer {
  readonly image: ecs.ContainerImage;
  readonly command: string[];
  readonly dockerLabels: { [key: string]: string };
}

export function bootstrapContainer(port: number, path: string, command?: string[]): BootstrapContainer {
  const file = path === '/' || path.endsWith('/') ? `/www${path}index.html` : `/www${path}`;
  const script = `mkdir -p "$(dirname '${file}')" && echo ok > '${file}' && exec httpd -f -v -p ${port} -h /www`;
  return {
    image: ecs.ContainerImage.fromRegistry(BOOTSTRAP_IMAGE),
    command: ['sh', '-c', script],
    dockerLabels: bootstrapLabels(command),
  };
}

/**
 * The bootstrap settings of a container without a port (e.g. a sidecar the load balancer never
 * reaches): the same busybox image, idle until the pipeline's first deployment replaces it.
 */
export function idleBootstrapContainer(command?: string[]): BootstrapContainer {
  return {
    image: ecs.ContainerImage.fromRegistry(BOOTSTRAP_IMAGE),
    command: ['sh', '-c', 'while true; do sleep 3600; done'],
    dockerLabels: bootstrapLabels(command),
  };
}

/** The labels of a bootstrapped container: the marker and, when it has one, its real command. */
function bootstrapLabels(command?: string[]): { [key: string]: string } {
  return {
    [BOOTSTRAP_LABEL]: 'true',
    ...(command ? { [BOOTSTRAP_COMMAND_LABEL]: JSON.stringify(command) } : {}),
  };
}

/** Folder of the command-less bootstrap image in the package (shipped in the npm tarball, not compiled). */
const BOOTSTRAP_IMAGE_FOLDER = nodePath.join(__dirname, '..', '..', 'build-scripts', 'bootstrap-image');

/**
 * The bootstrap image of engines whose deployments replace only images (ECS-native): built by
 * `cdk deploy` from this package's `build-scripts/bootstrap-image/`, it answers 200 on `path` at
 * `port` (idles without a port) and ignores the task definition's command, so the container can
 * carry its real command from the start.
 */
export function commandlessBootstrapImage(port: number | undefined, healthCheckPath: string,
  cpuArchitecture?: ecs.CpuArchitecture): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(BOOTSTRAP_IMAGE_FOLDER, {
    buildArgs: { PORT: port === undefined ? '' : `${port}`, HEALTH_CHECK_PATH: healthCheckPath },
    platform: cpuArchitecture === ecs.CpuArchitecture.ARM64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
  });
}
