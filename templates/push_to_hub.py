"""Upload this folder to the Hugging Face Hub as a model repository (written by `modgen export`).

    python push_to_hub.py USER/REPO [--private] [--dry-run]

Log in first (`hf auth login`, or set HF_TOKEN). `--dry-run` lists what would be uploaded and needs no network.
Once uploaded: `AutoModel.from_pretrained("USER/REPO", trust_remote_code=True)`.
"""

import argparse
from pathlib import Path


FOLDER = Path(__file__).resolve().parent
# Not uploaded: this script, and what Python writes beside the code.
IGNORE = ["push_to_hub.py", "__pycache__", "*.pyc", ".DS_Store"]
DEFAULT_REPO_ID = "MODEL_NAME"


def files_to_upload() -> list[Path]:
    from fnmatch import fnmatch

    return sorted(
        path
        for path in FOLDER.rglob("*")
        if path.is_file()
        and not any(fnmatch(part, pattern) for part in path.relative_to(FOLDER).parts for pattern in IGNORE)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo_id", nargs="?", default=DEFAULT_REPO_ID, help="USER/REPO on the Hub")
    parser.add_argument("--private", action="store_true", help="create the repository private")
    parser.add_argument("--dry-run", action="store_true", help="list what would be uploaded, upload nothing")
    parser.add_argument("--commit-message", default="Upload model (modgen export)")
    args = parser.parse_args()

    files = files_to_upload()
    total = sum(path.stat().st_size for path in files)
    if args.dry_run:
        print(f"would upload {len(files)} files ({total / 1e6:.1f} MB) to the Hub model repository {args.repo_id}:")
        for path in files:
            print(f"  {path.relative_to(FOLDER)}  {path.stat().st_size:,} bytes")
        return

    from huggingface_hub import HfApi

    api = HfApi()
    url = api.create_repo(args.repo_id, repo_type="model", private=args.private, exist_ok=True)
    api.upload_folder(
        repo_id=args.repo_id,
        folder_path=FOLDER,
        repo_type="model",
        ignore_patterns=IGNORE,
        commit_message=args.commit_message,
    )
    print(f"uploaded {len(files)} files ({total / 1e6:.1f} MB) to {url}")


if __name__ == "__main__":
    main()
