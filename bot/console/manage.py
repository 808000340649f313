"""`python -m bot.console.manage`: add counsellors, set passwords, deactivate, list.

Passwords are read from the terminal (asked twice) or, for scripts, from standard input with
--password-stdin; never from the command line, where they would end up in shell history."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import List, Optional

from bot.clock import system_clock
from bot.console.auth import AccountError, Accounts
from bot.console.store import COUNSELLOR, TEAM_LEAD
from bot.db import prepare_database
from bot.settings import SettingsError, load_settings


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Wachtwoord (minstens 12 tekens): ")
    if getpass.getpass("Nog een keer: ") != first:
        raise AccountError("the two passwords differ")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.console.manage")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a counsellor account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name the person sees in the chat")
    add.add_argument("--team-lead", action="store_true", help="may read the audit log")
    add.add_argument("--password-stdin", action="store_true")
    password = commands.add_parser("set-password", help="set a new password (also unlocks)")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    deactivate = commands.add_parser("deactivate", help="stop an account and its sessions")
    deactivate.add_argument("username")
    commands.add_parser("list", help="list accounts")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        engine = prepare_database(load_settings().handoff.database_url)
        accounts = Accounts(engine, system_clock)
        if args.command == "add":
            role = TEAM_LEAD if args.team_lead else COUNSELLOR
            added = accounts.add(args.username, args.name, _password(args.password_stdin), role)
            print(f"Added {added.username} ({added.role}).")
        elif args.command == "set-password":
            accounts.set_password(args.username, _password(args.password_stdin))
            print(f"Password set for {args.username}.")
        elif args.command == "deactivate":
            accounts.deactivate(args.username)
            print(f"Deactivated {args.username}.")
        else:
            for counsellor in accounts.all():
                print(f"{counsellor.username}\t{counsellor.role}\t{counsellor.display_name}")
    except (AccountError, SettingsError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
