import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { BUILT_IMAGES_FILE, IMAGE_DETAIL_FILE } from './build-contract';
import { acknowledgeWildcards, BUCKET_AND_KEY_GRANTS, CODEBUILD_PROJECT_GRANTS } from '../private/nag';

/**
 * Tagging the images production runs, so the repository never expires them.
 *
 * Internal module: not exported from the package entry point.
 */

/** Folder of the tagging script in the package (shipped in the npm tarball, next to lib/). */
export const IMAGE_TAG_SCRIPTS_FOLDER = ['build-scripts', 'image-tag'];
/** The script the tagging project runs. */
export const IMAGE_TAG_SCRIPT = 'tag-image.sh';
/** Default of `productionImageRetentionCount`. */
export const DEFAULT_PRODUCTION_IMAGE_RETENTION = 10;

/**
 * The start of every tag the pipeline adds to an image `environmentName` runs:
 * `deployed-<environment>_`. Environment names hold no underscore, so `deployed-prod_*` never
 * matches the tags of an environment named `prod-eu`.
 */
export function deployedTagPrefix(environmentName: string): string {
  return `deployed-${environmentName}_`;
}

/**
 * The tag added after a successful deployment: `deployed-<environment>_<pipeline execution id>`.
 * One tag per execution, so a retried action adds the same tag (idempotent), and every promotion of
 * the same image adds another.
 */
export function deployedTag(environmentName: string): string {
  return `${deployedTagPrefix(environmentName)}#{codepipeline.PipelineExecutionId}`;
}

/** Properties of {@link ProductionImageTagging}. */
export interface ProductionImageTaggingProps {
  /** The repository the image build pushes to, created by the pipeline (tags immutable). */
  readonly repository: ecr.IRepository;
  /**
   * KMS key that encrypts the project's logs and artifacts.
   * @default - the AWS managed key for S3
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * A small CodeBuild project that tags the digests an environment now runs
 * (`build-scripts/image-tag/tag-image.sh`). It reads `built-images.json` (every image the build
 * pushed: the application's and each additional container's) from the build's output artifact, so
 * every environment tags exactly the digests it deployed, and adds
 * `deployed-<environment>_<execution id>` to each with `ecr:PutImage` and the image's own manifest. Its
 * role may call `ecr:BatchGetImage` and `ecr:PutImage` on the repository and nothing else of ECR;
 * the repository policy that denies pushes to everyone but the image build must list its role as
 * an exception (`ImageBuildProps.additionalPushers`). Without the layer-upload actions it cannot
 * bring new layers into the repository; `ecr:PutImage` would still let it put a new manifest over
 * layers the build pushed (ECR has no condition key to restrict a tag to an existing manifest), so
 * the guarantee that every image is the build's own rests on this project running only
 * `tag-image.sh`, which re-puts each image's own manifest.
 *
 * Why a step of its own after `Deploy`, and only for production: the tag must name what production
 * runs, which is known only once the deployment succeeded (a rolled-back deployment leaves the
 * previous image in place, already tagged); and only production's tags are kept by the lifecycle
 * policy (see `createRepository`). Tagging other environments would add a CodeBuild run to every
 * stage for tags that protect nothing.
 */
export class ProductionImageTagging extends Construct {
  /** The project that adds the tags. */
  public readonly project: codebuild.PipelineProject;

  constructor(scope: Construct, id: string, props: ProductionImageTaggingProps) {
    super(scope, id);
    this.project = new codebuild.PipelineProject(this, 'Project', {
      description: 'Tags the image digest a production environment runs after its deployment, so the repository keeps it',
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      timeout: Duration.minutes(10),
      encryptionKey: props.encryptionKey,
      environmentVariables: {
        REPOSITORY_NAME: { value: props.repository.repositoryName },
        BUILT_IMAGES_FILE: { value: BUILT_IMAGES_FILE },
        IMAGE_DETAIL_FILE: { value: IMAGE_DETAIL_FILE },
      },
      buildSpec: codebuild.BuildSpec.fromObject(renderImageTagBuildSpec()),
    });
    props.repository.grant(this.project, 'ecr:BatchGetImage', 'ecr:PutImage');
    acknowledgeWildcards(this.project.role!,
      'The tagging project reads the pipeline\'s build output (objects and key of the pipeline\'s own artifact bucket) and writes its own '
      + 'log group and report groups, all granted by aws-cdk-lib; its ECR actions name the repository.',
      [...CODEBUILD_PROJECT_GRANTS, ...BUCKET_AND_KEY_GRANTS]);
  }

  /** The project's role: the repository policy must let it push (tag) images. */
  public get role(): iam.IRole {
    return this.project.role!;
  }

  /**
   * The action that tags the digest in `buildOutput` for `environmentName`. Run it after the
   * environment's deploy action; it does not wait for tests, since the image runs from then on.
   */
  public action(environmentName: string, buildOutput: codepipeline.Artifact, runOrder: number): codepipeline.IAction {
    return new actions.CodeBuildAction({
      actionName: 'TagDeployedImage',
      runOrder,
      project: this.project,
      input: buildOutput,
      environmentVariables: { DEPLOYED_TAG: { value: deployedTag(environmentName) } },
    });
  }
}

const HEREDOC_END = 'TAG_IMAGE_SH';

/**
 * The tagging project's buildspec: it writes `tag-image.sh` (read from the package at synth time,
 * a few kilobytes, so no asset and no grant on the asset bucket) and runs it with bash, exactly as
 * the tests run the file.
 */
export function renderImageTagBuildSpec(): { [key: string]: any } {
  const script = fs.readFileSync(path.join(__dirname, '..', '..', ...IMAGE_TAG_SCRIPTS_FOLDER, IMAGE_TAG_SCRIPT), 'utf-8');
  if (script.split('\n').includes(HEREDOC_END)) {
    throw new Error(`${IMAGE_TAG_SCRIPT} must not contain a line '${HEREDOC_END}' (it ends the here-document that writes it)`);
  }
  return {
    version: '0.2',
    env: { shell: 'bash' },
    phases: {
      build: {
        commands: [
          `cat > /tmp/${IMAGE_TAG_SCRIPT} <<'${HEREDOC_END}'\n${script.replace(/\n$/, '')}\n${HEREDOC_END}`,
          `bash /tmp/${IMAGE_TAG_SCRIPT}`,
        ],
      },
    },
  };
}

/**
 * The tagging project of a pipeline, when it has something to protect: production environments and
 * a repository it created (whose lifecycle policy keeps their tags). Created in `scope` as
 * 'ImageTagging'.
 */
export function createProductionImageTagging(scope: Construct, props: ProductionImageTaggingProps & {
  readonly repositoryCreated: boolean;
  readonly productionEnvironments: string[];
}): ProductionImageTagging | undefined {
  if (!props.repositoryCreated || props.productionEnvironments.length === 0) { return undefined; }
  return new ProductionImageTagging(scope, 'ImageTagging', props);
}
