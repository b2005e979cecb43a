#!/usr/bin/env bash
# The image build of cdk-ecs-cicd-pipeline's ImageBuild: one CodeBuild phase per call,
#   bash image-build.sh pre_build|build|post_build
# run from the source root by the project's buildspec (src/pipeline/image-build-spec.ts), which
# fetches this folder (an S3 asset) first. The phases share state through a file next to this
# script (IMAGE_TAG, IMAGE_DIGEST, ...) and work/images.json (every image's digest URI), since each
# call is a process of its own.
#
# Inputs (environment variables; src/pipeline/build-contract.ts owns their names):
#   REPOSITORY_URI, REPOSITORY_NAME    the ECR repository the image is pushed to
#   SOURCE_REVISION                    the commit id (or an S3 ETag), set by the pipeline action
#   REUSE_EXISTING_IMAGE               'true' only when nobody but the build's role may push to the
#                                      repository; otherwise an existing tag is never trusted
#   IMAGE_BUILD_SETTINGS, DEPLOY_ENVIRONMENTS and the variables it names: see image_build.py
#   CODEBUILD_SRC_DIR, CODEBUILD_BUILD_NUMBER, CODEBUILD_BUILD_SUCCEEDING, AWS_DEFAULT_REGION: CodeBuild's
#   SCAN_WAIT_SECONDS / SCAN_POLL_SECONDS (optional) how long and how often the scan gate polls
#                                      (defaults 900 / 15)
set -uo pipefail
# Amazon Linux 2 (the ARM build image) ships bash 4.2, where "${array[@]}" of an empty array is an
# unbound variable under set -u: expand arrays as ${array[@]+"${array[@]}"}.

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HELPER="$SCRIPT_DIR/image_build.py"
WORK_DIR="$SCRIPT_DIR/work"
STATE_FILE="$WORK_DIR/state.sh"
MAX_IMAGE_TAG_LENGTH=128

die() { echo "ERROR: $*" >&2; exit 1; }

save_state() {
  mkdir -p "$WORK_DIR" || die "cannot create $WORK_DIR"
  local name
  for name in "$@"; do printf '%s=%q\n' "$name" "${!name}"; done > "$STATE_FILE"
}

# Runs `aws [--region REGION] ARGS...`, as ROLE (assumed, in a subshell) when ROLE is not empty.
as_role() {
  local role="$1" region="$2"
  shift 2
  if [ -z "$role" ]; then
    aws ${region:+--region "$region"} "$@"
    return
  fi
  (
    credentials="$(aws sts assume-role --role-arn "$role" --role-session-name image-build \
      --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)" || exit 1
    read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<< "$credentials"
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    aws ${region:+--region "$region"} "$@"
  )
}

load_settings() {
  local settings
  settings="$(python3 "$HELPER" shell-settings)" || exit 1
  eval "$settings"
}

# The image tag: SOURCE_REVISION without characters a tag cannot hold, at most IMAGE_TAG_LENGTH long.
# The full commit id (40 or 64 characters) fits: a shortened id can collide with another commit's.
image_tag() {
  echo "Deriving the image tag from SOURCE_REVISION=$SOURCE_REVISION (max $IMAGE_TAG_LENGTH characters)"
  IMAGE_TAG="${SOURCE_REVISION//[^A-Za-z0-9_.-]/}"
  while [ "${IMAGE_TAG:0:1}" = "." ] || [ "${IMAGE_TAG:0:1}" = "-" ]; do IMAGE_TAG="${IMAGE_TAG:1}"; done
  IMAGE_TAG="${IMAGE_TAG:0:$IMAGE_TAG_LENGTH}"
  [ -n "$IMAGE_TAG" ] || die "cannot derive an image tag from SOURCE_REVISION='$SOURCE_REVISION'"
  echo "Image tag: $IMAGE_TAG"
}

pre_build() {
  echo "Checking the build environment"
  local required
  for required in REPOSITORY_URI REPOSITORY_NAME SOURCE_REVISION REUSE_EXISTING_IMAGE CODEBUILD_SRC_DIR IMAGE_BUILD_SETTINGS DEPLOY_ENVIRONMENTS; do
    [ -n "${!required:-}" ] || die "environment variable $required is not set"
  done
  load_settings
  REGISTRY_HOST="${REPOSITORY_URI%%/*}"
  echo "Repository: $REPOSITORY_URI (registry $REGISTRY_HOST), region ${AWS_DEFAULT_REGION:-<unset>}"
  echo "Environments: $ENVIRONMENT_NAMES"
  image_tag
  cd "$CODEBUILD_SRC_DIR" || exit 1
  echo "Logging in to Amazon ECR registry $REGISTRY_HOST"
  aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY_HOST" \
    || die "docker login to $REGISTRY_HOST failed"
  save_state IMAGE_TAG
}

build() {
  load_settings
  # shellcheck source=/dev/null
  . "$STATE_FILE" || die "no state from pre_build in $STATE_FILE"
  cd "$CODEBUILD_SRC_DIR" || exit 1
  rm -f "$WORK_DIR/images.json"
  # Image 0 is the application's, tagged with the commit; each additional container is built from
  # the same commit into the same repository, tagged <commit>-<name>. All are pushed first, then
  # each is gated on its scan, so the scans run side by side.
  local base_tag="$IMAGE_TAG" index digests=()
  for ((index = 0; index < IMAGE_COUNT; index++)); do
    eval "$(python3 "$HELPER" image-settings "$index")" || exit 1
    build_image "$base_tag"
    python3 "$HELPER" record-image "$index" "$REPOSITORY_URI@$BUILT_DIGEST" || exit 1
    digests+=("$BUILT_DIGEST")
    if [ "$index" -eq 0 ]; then
      IMAGE_TAG="$BUILT_TAG"
      IMAGE_DIGEST="$BUILT_DIGEST"
      save_state IMAGE_TAG IMAGE_DIGEST
    fi
  done

  if [ "$SCAN_SEVERITY_THRESHOLD" = "NONE" ]; then
    echo "Image scan gate disabled (threshold NONE): not waiting for the ECR image scan"
  else
    for digest in "${digests[@]}"; do scan_gate "$digest"; done
  fi
}

# Builds and pushes one image (IMAGE_NAME, DOCKERFILE, BUILD_DIRECTORY, BUILD_ARGS, TAG_SUFFIX from
# image-settings) under <base tag><TAG_SUFFIX>, or reuses it; sets BUILT_TAG and BUILT_DIGEST.
build_image() {
  local base="$1" tag existing="$WORK_DIR/existing-image" reused
  tag="${base:0:$((MAX_IMAGE_TAG_LENGTH - ${#TAG_SUFFIX}))}$TAG_SUFFIX"
  echo "Checking whether $REPOSITORY_URI:$tag ($IMAGE_NAME) already exists"
  if aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$tag" > "$existing.json" 2> "$existing.err"; then
    # Reuse is safe only when the tag can be nobody else's: the repository denies pushes to every
    # principal but this build's role (REUSE_EXISTING_IMAGE=true). Otherwise anyone allowed to push
    # could have seeded the tag: build anyway, under a tag unique to this build.
    if [ "$REUSE_EXISTING_IMAGE" = "true" ]; then
      reused=true
      echo "Image $REPOSITORY_URI:$tag already exists and only this build may push to the repository: reusing it, skipping docker build and push"
    else
      reused=false
      local suffix="-build-${CODEBUILD_BUILD_NUMBER:-$(date +%s)}"
      tag="${base:0:$((MAX_IMAGE_TAG_LENGTH - ${#suffix} - ${#TAG_SUFFIX}))}$suffix$TAG_SUFFIX"
      echo "The tag exists, but pushes to this repository are not restricted to this build, so it may not be this build's image: not reusing it; building $REPOSITORY_URI:$tag"
    fi
  elif grep -q ImageNotFoundException "$existing.err"; then
    reused=false
    echo "Image $REPOSITORY_URI:$tag does not exist yet: building it"
  else
    cat "$existing.err" >&2
    die "could not check whether $REPOSITORY_URI:$tag exists"
  fi

  if [ "$reused" = "true" ]; then
    echo "Skipping docker build and push (image reused)"
  else
    echo "Building $DOCKERFILE (context $BUILD_DIRECTORY) as $REPOSITORY_URI:$tag"
    docker build -f "$DOCKERFILE" -t "$REPOSITORY_URI:$tag" ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} "$BUILD_DIRECTORY" \
      || die "docker build of $IMAGE_NAME failed"
    echo "Pushing $REPOSITORY_URI:$tag"
    docker push "$REPOSITORY_URI:$tag" || die "docker push of $IMAGE_NAME failed"
  fi

  echo "Resolving the digest of $REPOSITORY_URI:$tag"
  aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$tag" > "$WORK_DIR/image.json" \
    || die "describe-images failed for $REPOSITORY_NAME:$tag"
  BUILT_DIGEST="$(python3 "$HELPER" image-digest "$WORK_DIR/image.json")" \
    || die "no sha256 digest found for $REPOSITORY_NAME:$tag"
  BUILT_TAG="$tag"
  echo "Image digest of $IMAGE_NAME: $BUILT_DIGEST"
}

scan_gate() {
  local digest="$1"
  # Basic and enhanced (Amazon Inspector) scanning report different statuses: ask which one runs.
  aws ecr get-registry-scanning-configuration > "$WORK_DIR/scanning-configuration.json" \
    || die "get-registry-scanning-configuration failed"
  local scan_type
  scan_type="$(python3 "$HELPER" scan-type "$WORK_DIR/scanning-configuration.json")" || exit 1
  echo "Image scan gate ($REPOSITORY_URI@$digest): $scan_type registry scanning; failing on findings at or above $SCAN_SEVERITY_THRESHOLD"
  # Poll (instead of `aws ecr wait image-scan-complete`, which knows COMPLETE and FAILED only):
  # the helper exits 0 when the findings pass, 3 while the scan is pending, 1 otherwise.
  local findings="$WORK_DIR/scan-findings" started=$SECONDS waited last result
  while true; do
    waited=$((SECONDS - started)); last=false
    [ "$waited" -ge "${SCAN_WAIT_SECONDS:-900}" ] && last=true
    if ! aws ecr describe-image-scan-findings --repository-name "$REPOSITORY_NAME" --image-id imageDigest="$digest" > "$findings.json" 2> "$findings.err"; then
      grep -q ScanNotFoundException "$findings.err" \
        || { cat "$findings.err" >&2; die "describe-image-scan-findings failed"; }
      echo '{"imageScanStatus":{"status":"NOT_FOUND","description":"ScanNotFoundException"}}' > "$findings.json"
    fi
    python3 "$HELPER" scan-gate "$scan_type" "$findings.json" "$last" "$waited"; result=$?
    [ "$result" -ne 3 ] && break
    sleep "${SCAN_POLL_SECONDS:-15}"
  done
  [ "$result" -eq 0 ] || exit 1
}

post_build() {
  # post_build runs after a failed build phase too: never emit artifacts for a failed build.
  [ "${CODEBUILD_BUILD_SUCCEEDING:-1}" = "1" ] || die "an earlier phase failed; not writing deploy artifacts"
  load_settings
  # shellcheck source=/dev/null
  . "$STATE_FILE" || die "no state from the build phase in $STATE_FILE"
  [ -n "${IMAGE_DIGEST:-}" ] || die "the build phase resolved no image digest"
  cd "$CODEBUILD_SRC_DIR" || exit 1
  echo "Writing deploy artifacts to $ARTIFACT_DIRECTORY/"
  mkdir -p "$ARTIFACT_DIRECTORY" || exit 1
  python3 "$HELPER" image-detail "$REPOSITORY_URI@$IMAGE_DIGEST" || exit 1
  local name arn source kinds remote variable role parameter region data
  # Per environment, only the files its deployment engine reads (taskdef and appspec for CodeDeploy,
  # imagedefinitions for the standard ECS action).
  for name in $ENVIRONMENT_NAMES; do
    remote="$(python3 "$HELPER" remote-environment "$name")" || exit 1
    role=""
    region=""
    if [ -n "$remote" ]; then
      # Another account or region: read the environment's data there, through the role its stack
      # created for this build (temporary credentials from sts:AssumeRole, no stored keys).
      read -r variable role parameter region <<< "$remote"
      data="$(as_role "$role" "$region" ssm get-parameter --name "$parameter" --query Parameter.Value --output text)" \
        || die "[$name] cannot read its build data ($parameter in $region as $role)"
      export "$variable=$data"
    fi
    kinds=" $(python3 "$HELPER" output-kinds "$name") " || exit 1
    if [[ "$kinds" == *" taskDefinition "* ]]; then
      # The exact revision CDK registered (the family alone would name the latest ACTIVE revision,
      # which may be one the pipeline registered from an older build's content).
      arn="$(python3 "$HELPER" task-definition-arn "$name")" || exit 1
      source="$WORK_DIR/describe-task-definition-$name.json"
      # In another account or region as the role its stack created; here with the build's own.
      as_role "$role" "$region" ecs describe-task-definition --task-definition "$arn" > "$source" \
        || die "[$name] describe-task-definition $arn failed${role:+ (in $region as $role)}"
      python3 "$HELPER" render-taskdef "$name" "$source" || exit 1
    fi
    if [[ "$kinds" == *" appSpec "* ]]; then
      python3 "$HELPER" render-appspec "$name" || exit 1
    fi
    if [[ "$kinds" == *" imageDefinitions "* ]]; then
      python3 "$HELPER" render-imagedefinitions "$name" || exit 1
    fi
  done
  echo "Deploy artifacts for image $REPOSITORY_URI@$IMAGE_DIGEST:"
  ls -l "$ARTIFACT_DIRECTORY"
}

case "${1:-}" in
  pre_build) pre_build ;;
  build) build ;;
  post_build) post_build ;;
  image-tag) load_settings; image_tag ;;
  *) die "usage: $0 pre_build|build|post_build|image-tag" ;;
esac
