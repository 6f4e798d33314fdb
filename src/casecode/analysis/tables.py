"""Writing a table to the format its file name asks for: .csv, .xlsx, .dta (Stata), .parquet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError
from casecode.outputs import cell as safe_cell
from casecode.outputs import check_out as check_output
from casecode.outputs import writing

FORMATS = (".csv", ".xlsx", ".dta", ".parquet")

# Names Stata and Mata reserve (Stata manuals [U] 11.3 and [M-2] reswords).
_STATA_RESERVED = set(
    """_all _b byte _coef _cons double float if in int long _n _N _pi _pred _rc _se _skip strL
    using with aggregate array boolean break case catch class colvector complex const continue
    default delegate delete do else eltypedef end enum explicit export external for friend
    function global goto inline local mata matrix namespace new NULL numeric operator orgtype
    pointer polymorphic pragma private protected public quad real return rowvector scalar short
    signed static string struct super switch template this throw transmorphic try typedef
    typename union unsigned vector version virtual void volatile wchar_t while""".split()  # noqa: SIM905
)


def check_out(path: str | Path, *, force: bool = False) -> Path:
    """Refuse a table file of an unknown kind, in a missing folder, or already there unless
    ``force`` (see :mod:`casecode.outputs`), before any work."""
    return check_output(path, force=force, suffixes=FORMATS)


def stata_names(names: list[str]) -> list[str]:
    """Valid, unique Stata variable names (letters, digits, _; at most 32 characters; not a
    word Stata reserves, such as ``case`` or ``in``)."""
    out: list[str] = []
    for name in names:
        base = re.sub(r"\W", "_", str(name), flags=re.ASCII).strip("_") or "v"
        if base[0].isdigit():
            base = "v" + base
        base = base[:31] + "_" if base in _STATA_RESERVED else base[:32]
        candidate, n = base, 1
        while candidate.lower() in {o.lower() for o in out}:
            n += 1
            candidate = f"{base[: 32 - len(str(n)) - 1]}_{n}"
        out.append(candidate)
    return out


def write_table(
    frame: Any,
    path: str | Path,
    *,
    labels: dict[str, str] | None = None,
    index: bool = True,
    sheet: str = "casecode",
    force: bool = False,
) -> Path:
    """Write ``frame`` (a pandas DataFrame) to ``path``; ``labels`` (column → label) become a
    second header row in .xlsx and variable labels in .dta. An existing file is refused unless
    ``force``."""
    path = check_out(path, force=force)
    suffix = path.suffix.lower()
    frame = frame.reset_index() if index else frame
    labels = labels or {}
    try:
        with writing(path) as tmp:
            _write(frame, tmp, suffix, labels, sheet, path)
    except OSError as exc:
        raise CasecodeError(f"cannot write: {exc.strerror or exc}", file=path) from None
    return path


def _write(frame: Any, tmp: Path, suffix: str, labels, sheet: str, path: Path) -> None:
    if suffix == ".csv":  # text a spreadsheet would run as a formula is neutralised
        safe = frame.rename(columns=lambda c: safe_cell(c) if isinstance(c, str) else c)
        for col in safe.columns[safe.dtypes.map(lambda d: d.kind == "O")]:
            safe[col] = safe[col].map(safe_cell)
        safe.to_csv(tmp, index=False, encoding="utf-8-sig")  # BOM: Excel reads it right
    elif suffix == ".xlsx":
        _xlsx(frame, tmp, labels, sheet)
    elif suffix == ".dta":
        _dta(frame, tmp, labels)
    else:
        try:
            frame.to_parquet(tmp, index=False)
        except ImportError:
            raise CasecodeError(
                "writing .parquet needs pyarrow",
                file=path,
                hint="pip install 'casecode[parquet]'",
            ) from None


def _xlsx(frame: Any, path: Path, labels: dict[str, str], sheet: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    columns = [str(c) for c in frame.columns]
    ws.append([safe_cell(c, xlsx=True) for c in columns])
    header_rows = 1
    if labels:
        ws.append([safe_cell(labels.get(c, ""), xlsx=True) for c in columns])
        header_rows = 2
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    bold = Font(bold=True)
    for r in range(1, header_rows + 1):
        for cell in ws[r]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=header_rows + 1, column=2)
    for j, name in enumerate(columns, start=1):
        letter = ws.cell(row=1, column=j).column_letter
        longest = max(
            [len(name), len(labels.get(name, ""))] + [len(str(v)) for v in frame.iloc[:200, j - 1]]
        )
        ws.column_dimensions[letter].width = min(max(8, longest + 2), 60)
    book.save(path)


def _cell(value: Any) -> Any:
    try:
        import pandas as pd

        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return safe_cell(value, xlsx=True)


def _dta(frame: Any, path: Path, labels: dict[str, str]) -> None:
    names = stata_names([str(c) for c in frame.columns])
    renamed = frame.copy()
    renamed.columns = names
    variable_labels = {}
    for new, old in zip(names, frame.columns, strict=True):
        label = labels.get(str(old)) or (str(old) if new != str(old) else "")
        if label:
            variable_labels[new] = label[:80]
    for col in renamed.columns:
        if renamed[col].dtype == object:
            renamed[col] = renamed[col].fillna("").astype(str)
    import warnings

    with warnings.catch_warnings():  # the names are made valid above; pandas need not say so
        warnings.simplefilter("ignore")
        renamed.to_stata(path, write_index=False, version=118, variable_labels=variable_labels)
