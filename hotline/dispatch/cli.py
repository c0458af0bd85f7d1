"""``hotline dispatch train|predict``: the category classifier from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hotline.cli_database import database_problem
from hotline.cli_output import fail
from hotline.domain.dispatch import classifier
from hotline.domain.dispatch.table import read_table, write_predictions
from hotline.domain.inputs import output_file

TOP_K = 3


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("dispatch", parents=[common], help="smart dispatch (智能派单)")
    dsub = group.add_subparsers(dest="dispatch_command", required=True)

    p = dsub.add_parser("train", parents=[common], help="train the category classifier")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", type=Path, metavar="CSV")
    source.add_argument(
        "--from-db", action="store_true", help="train on the confirmed dispatches in the database"
    )
    p.add_argument("--text-column", action="append", default=[], metavar="COL")
    p.add_argument("--label-column", metavar="COL")
    p.add_argument(
        "--unlabelled", type=Path, metavar="CSV", help="unlabelled texts for self-training"
    )
    p.add_argument("--model", type=Path, help="where to save (default: the model the API serves)")
    p.set_defaults(func=cmd_train)

    p = dsub.add_parser("predict", parents=[common], help="top-3 categories for each row")
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--input", type=Path, required=True, metavar="CSV")
    p.add_argument("--text-column", action="append", required=True, metavar="COL")
    p.add_argument("--output", type=Path, required=True, metavar="CSV")
    p.set_defaults(func=cmd_predict)


def _default_model() -> Path:
    from hotline.dispatch.selectors import model_path

    return model_path()


def cmd_train(args: argparse.Namespace) -> int:
    path = output_file(args.model or _default_model())
    try:
        if args.from_db:
            from hotline.dispatch.services import dispatch_model_train_from_db

            if problem := database_problem():
                return fail(problem)
            model = dispatch_model_train_from_db(path=path)
        else:
            if not args.text_column or not args.label_column:
                return fail("--input needs --text-column (one or more) and --label-column")
            table = read_table(
                args.input, text_columns=args.text_column, label_column=args.label_column
            )
            unlabelled = (
                read_table(args.unlabelled, text_columns=args.text_column).texts
                if args.unlabelled
                else []
            )
            model = classifier.train(
                table.texts, table.labels, unlabelled=unlabelled, source=str(args.input)
            )
            model.save(path)
    except classifier.ModelError as exc:
        return fail(str(exc))
    info = model.info
    summary = f"trained on {info.training_rows} rows, {len(info.labels)} labels"
    if info.unlabelled_used:
        summary += f", {info.unlabelled_used} self-labelled"
    if info.dropped_labels:
        summary += f"; dropped labels with too few rows: {info.dropped_labels}"
    print(summary)
    print(f"model: {path}  metadata: {classifier.metadata_path(path)}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    output_file(args.output)  # before the work: a directory or a file in a file is refused
    try:
        model = classifier.load(args.model)
        table = read_table(args.input, text_columns=args.text_column)
    except classifier.ModelError as exc:
        return fail(str(exc))
    top = model.suggest(table.texts, k=TOP_K)
    write_predictions(args.output, [[(s.label, s.score) for s in row] for row in top], TOP_K)
    print(f"wrote {len(top)} rows to {args.output}")
    return 0
