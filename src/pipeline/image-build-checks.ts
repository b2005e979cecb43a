import { Stack } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { BUILD_OUTPUT_FILES, BuildOutputKind, IMAGE_DETAIL_FILE } from './build-contract';
import { ImageBuildProps } from './image-build-props';
import { escapeRegex, flattenCfnReference } from '../private/nag-findings';
import { isDeliveredAdditionalContainer } from '../service/additional-containers';
import { BuiltContainerOptions } from '../service/container-options';

/**
 * The image build's synth-time checks and small helpers (ImageBuild, image-build.ts).
 *
 * Internal module: not exported from the package entry point.
 */

/** The ECR actions that create images, layers or tags: denied to all but the build role with `restrictRepositoryPushes`. */
export const PUSH_ACTIONS = ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload'];

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** The cdk-nag IAM5 finding of `asset.grantRead`: the objects of the asset's bucket (the bootstrap bucket). */
export function assetObjectsFinding(asset: s3assets.Asset): string {
  const finding = flattenCfnReference(Stack.of(asset).resolve(asset.bucket.arnForObjects('*')));
  return `Resource::${escapeRegex(finding)}`;
}

/** CodeBuild rejects an inline buildspec longer than this (aws-cdk#14974). */
const MAX_INLINE_BUILDSPEC = 25_600;

/**
 * Fails at synth when the buildspec would exceed CodeBuild's inline limit once CloudFormation has
 * resolved its tokens (family names, function ARNs: counted at 128 characters each).
 */
export function checkInlineBuildSpecSize(buildSpec: object, what: string, remedy: string): void {
  const estimate = JSON.stringify(buildSpec, undefined, 2).replace(/\$\{Token\[[^\]]*\]\}/g, 'x'.repeat(128)).length;
  if (estimate > MAX_INLINE_BUILDSPEC) {
    throw new Error(`${what} about ${estimate} characters once deployed; CodeBuild accepts at most ${MAX_INLINE_BUILDSPEC} inline: ${remedy}`);
  }
}

/**
 * Every environment's engine deploys from files in the build output; the build writes
 * `imageDetail.json` and, per environment, exactly the files its engine asks for among the task
 * definition, the AppSpec and the image definitions. An engine that needs another file would get a
 * deploy action pointing at nothing: fail at synth instead. Returns each environment's kinds.
 */
export function buildOutputKinds(environments: ImageBuildProps['environments']): BuildOutputKind[][] {
  return environments.map((env, i) => {
    const name = env.environmentName;
    const kinds = Object.keys(BUILD_OUTPUT_FILES) as BuildOutputKind[];
    const writable = [IMAGE_DETAIL_FILE, ...kinds.map(kind => BUILD_OUTPUT_FILES[kind](name))];
    const missing = env.buildOutputFiles.filter(file => !writable.includes(file));
    if (missing.length > 0) {
      throw new Error(`environments[${i}].buildOutputFiles (${JSON.stringify(missing)}, from the blueGreen engine of '${name}') `
        + `name files the image build does not write; it can write ${JSON.stringify(writable)}`);
    }
    const requested = kinds.filter(kind => env.buildOutputFiles.includes(BUILD_OUTPUT_FILES[kind](name)));
    if (requested.length === 0) {
      throw new Error(`environments[${i}].buildOutputFiles (${JSON.stringify(env.buildOutputFiles)}, from the blueGreen engine of '${name}') `
        + `must name at least one of the per-environment files the image build writes (${JSON.stringify(writable.slice(1))})`);
    }
    return requested;
  });
}

/**
 * Every environment's task definition must have each additional container the build builds, and the
 * build must build each additional container of a `BlueGreenFargateService` environment (otherwise
 * its deployments keep the bootstrap image; the build's render-taskdef fails on it too).
 */
export function checkAdditionalContainers(environments: ImageBuildProps['environments'], containers: BuiltContainerOptions[]): void {
  containers.forEach((c, j) => environments.forEach((env, i) => {
    if (!env.taskDefinition.findContainer(c.name)) {
      throw new Error(`additionalContainers[${j}].name ('${c.name}'): environments[${i}] ('${env.environmentName}') has no container of that name; `
        + 'give the environments the same additionalContainers as the image build');
    }
  }));
  const built = containers.map(c => c.name);
  environments.forEach((env, i) => {
    const delivered = env.taskDefinition.node.children.filter(isDeliveredAdditionalContainer);
    const missing = delivered.map(c => c.containerName).filter(name => !built.includes(name));
    if (missing.length > 0) {
      throw new Error(`environments[${i}] ('${env.environmentName}') has additionalContainers ${missing.map(n => `'${n}'`).join(', ')} that the image build's `
        + `additionalContainers (${built.length === 0 ? 'none' : built.map(n => `'${n}'`).join(', ')}) do not build, so they would keep the bootstrap image; `
        + 'give the image build the same additionalContainers as the environments');
    }
  });
}
