"""The functions a guarded statement may call: an allow-list, per dialect.

A function is allowed when sqlglot knows it as one of the typed expressions listed here
(ordinary scalar, aggregate and window functions over the query's own values), or when
its name is on the dialect's list of plain names sqlglot leaves untyped. Anything else is
refused with its name, so a function a database adds tomorrow (a file reader, a settings
reader, a statistics reset) is refused until someone reads what it does and lists it.

Functions whose result grows with an argument (``repeat``, ``lpad``, ``space``) are
allowed only with a literal size below ``MAX_GENERATED_CHARS``: the row cap counts rows,
not bytes, and a single 300 MB value would still cross the wire.
"""

from __future__ import annotations

from sqlglot import exp

from parley.errors import GuardRejected

#: The largest string a size-taking function may be asked to build.
MAX_GENERATED_CHARS = 10_000


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _classes(names: str) -> frozenset[type[exp.Func]]:
    # Looked up by name so a sqlglot that lacks one of them still imports.
    found = (getattr(exp, name, None) for name in names.split())
    return frozenset(cls for cls in found if isinstance(cls, type) and issubclass(cls, exp.Func))


AGGREGATES = _classes(
    """AnyValue ApproxDistinct ApproxQuantile ArgMax ArgMin ArrayAgg Avg BitwiseAndAgg
    BitwiseOrAgg BitwiseXorAgg Corr Count CountIf CovarPop CovarSamp First GroupConcat
    Kurtosis Last LogicalAnd LogicalOr Max Median Min Mode PercentileCont PercentileDisc
    Quantile RegrAvgx RegrAvgy RegrCount RegrIntercept RegrR2 RegrSlope RegrSxx RegrSxy
    RegrSyy Skewness Stddev StddevPop StddevSamp Sum Variance VariancePop JSONArrayAgg
    JSONObjectAgg JSONBObjectAgg"""
)
WINDOW = _classes(
    "CumeDist DenseRank FirstValue Lag LastValue Lead NthValue Ntile PercentRank Rank RowNumber"
)
MATH = _classes(
    """Abs Acos Acosh Asin Asinh Atan Atan2 Atanh Cbrt Ceil Cos Cosh Cot Coth Csc Csch Degrees
    Exp Floor Greatest Least Ln Log Pi Pow Radians Rand Round Sec Sech Sign Sin Sinh Sqrt Tan
    Tanh Trunc SafeDivide WidthBucket IsNan IsInf"""
)
LOGIC = _classes("And Or Xor Case Coalesce If Nullif Nvl2 Exists Cast TryCast Typeof")
TEXT = _classes(
    """Ascii BitLength ByteLength Chr Collate Concat ConcatWs Contains EndsWith StartsWith
    Initcap Left Right Length Lower Upper Pad Repeat Replace Reverse Space Split SplitPart
    StrPosition Substring SubstringIndex Trim Translate Levenshtein Soundex RegexpExtract
    RegexpExtractAll RegexpLike RegexpILike RegexpReplace RegexpCount RegexpSplit
    RegexpSubstr RegexpInstr MD5 SHA SHA2 Hex Unhex LowerHex Unicode Overlay ToChar ToNumber
    NumberToStr Normalize"""
)
TIME = _classes(
    """AddMonths CurrentDate CurrentDatetime CurrentTime CurrentTimestamp Date DateAdd DateBin
    DateDiff DateFromParts DateStrToDate DateSub DateToDateStr DateTrunc Datetime DatetimeAdd
    DatetimeDiff DatetimeSub DatetimeTrunc Day DayOfMonth DayOfWeek DayOfWeekIso DayOfYear
    Dayname Extract Hour LastDay Minute Month Monthname MonthsBetween Quarter Second StrToDate
    StrToTime StrToUnix Time TimeAdd TimeDiff TimeFromParts TimeStrToDate TimeStrToTime
    TimeStrToUnix TimeSub TimeToStr TimeToTimeStr TimeToUnix TimeTrunc Timestamp TimestampAdd
    TimestampDiff TimestampFromParts TimestampSub TimestampTrunc TsOrDsAdd TsOrDsDiff
    TsOrDsToDate TsOrDsToDateStr TsOrDsToDatetime TsOrDsToTime TsOrDsToTimestamp UnixDate
    UnixToStr UnixToTime UnixToTimeStr UnixSeconds Week WeekOfYear Year YearOfWeek Localtime
    Localtimestamp UtcDate UtcTime UtcTimestamp MakeInterval JustifyDays JustifyHours
    JustifyInterval NextDay PreviousDay ConvertTimezone"""
)
STRUCTURED = _classes(
    """Array ArrayContains ArraySize ArrayToString StringToArray Unnest Explode GenerateSeries
    Struct StructExtract JSONExtract JSONExtractScalar JSONBExtract JSONBExtractScalar
    JSONArray JSONObject ParseJSON JSONFormat JSONType"""
)

#: Every typed function a guarded statement may call, whatever the dialect.
ALLOWED_CLASSES: frozenset[type[exp.Func]] = (
    AGGREGATES | WINDOW | MATH | LOGIC | TEXT | TIME | STRUCTURED
)

# Plain names sqlglot does not type, which compute only from their arguments.
_COMMON_NAMES = _names(
    """abs ceiling char_length character_length concat concat_ws date_part datediff
    date_diff dayofmonth dayofweek dayofyear div every greatest ifnull iif instr least
    log10 log2 ltrim rtrim btrim mod octet_length power position sign strpos substr
    to_date to_timestamp trunc truncate weekday weekofyear bool_and bool_or stddev variance
    string_agg listagg percentile_cont nvl round date time datetime timestamp strftime"""
)
ALLOWED_NAMES: dict[str, frozenset[str]] = {
    "sqlite": _COMMON_NAMES | {"julianday", "total", "datetime", "likely", "unlikely"},
    "duckdb": _COMMON_NAMES
    | {"date_part", "datepart", "epoch", "epoch_ms", "count_star", "list_aggregate", "today",
       "make_date", "make_time", "make_timestamp", "strftime", "strptime", "isodow", "isoyear",
       "yearweek", "dayofmonth", "last_day", "fsum", "favg", "product", "nullif"},
    "postgres": _COMMON_NAMES
    | {"age", "make_date", "make_time", "make_timestamp", "make_interval", "to_char",
       "date_part", "isfinite", "justify_days", "array_length", "cardinality"},
    "mysql": _COMMON_NAMES
    | {"now", "unix_timestamp", "adddate", "subdate", "date_format", "time_format",
       "timediff", "time_to_sec", "sec_to_time", "period_diff", "makedate", "maketime",
       "yearweek", "microsecond", "curtime", "sysdate", "ucase", "lcase", "field", "elt",
       "locate", "truncate", "to_days", "from_days"},
}  # fmt: skip
ALLOWED_NAMES["redshift"] = ALLOWED_NAMES["postgres"] | {"getdate", "datediff", "dateadd"}

_SIZE_ARGUMENTS: dict[type[exp.Func], str] = {
    exp.Repeat: "times",
    exp.Pad: "expression",
    exp.Space: "this",
}


def function_name(node: exp.Func) -> str:
    """A function call's name as written (lower case).

    >>> import sqlglot
    >>> function_name(sqlglot.parse_one("SELECT PG_Sleep(1)").expressions[0])
    'pg_sleep'
    >>> function_name(sqlglot.parse_one("SELECT upper('x')").expressions[0])
    'upper'
    """
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    written = node.sql().split("(", 1)[0].strip().lower()
    return written if written.isidentifier() else type(node).key


def check_function(node: exp.Func, dialect: str) -> None:
    """Refuse a call that is not on the dialect's allow-list, or builds an oversized value.

    >>> import sqlglot
    >>> check_function(sqlglot.parse_one("SELECT sum(x)").expressions[0], "duckdb")
    >>> reset = sqlglot.parse_one("SELECT pg_stat_reset()").expressions[0]
    >>> check_function(reset, "postgres")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    parley.errors.GuardRejected: function pg_stat_reset is not allowed: ...
    """
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        if name in ALLOWED_NAMES.get(dialect, _COMMON_NAMES):
            return
        raise _refused(name)
    if type(node) not in ALLOWED_CLASSES:
        raise _refused(function_name(node))
    if isinstance(node, exp.Cast | exp.TryCast):
        _check_cast(node)
    size_key = _SIZE_ARGUMENTS.get(type(node))
    if size_key is not None:
        _check_size(node, size_key)


def _refused(name: str) -> GuardRejected:
    return GuardRejected(
        f"function {name} is not allowed: only the ordinary scalar, aggregate and window "
        "functions Parley knows to compute from the query's own values can run",
        detail={"function": name},
    )


def _check_cast(node: exp.Cast | exp.TryCast) -> None:
    # Object-identifier types (regclass, oid, regproc ...) turn names into catalog lookups.
    target = node.args.get("to")
    if (
        not isinstance(target, exp.DataType)
        or isinstance(target, exp.ObjectIdentifier)
        or target.this == exp.DataType.Type.USERDEFINED
    ):
        raise GuardRejected(
            f"a cast to {target.sql() if target is not None else 'an unknown type'} is not "
            "allowed: only ordinary data types can be cast to"
        )


def _check_size(node: exp.Func, key: str) -> None:
    size = node.args.get(key)
    if isinstance(size, exp.Literal) and not size.is_string:
        try:
            if float(size.this) <= MAX_GENERATED_CHARS:
                return
        except ValueError:
            pass
    raise GuardRejected(
        f"function {function_name(node)} may only build strings of at most "
        f"{MAX_GENERATED_CHARS:,} characters, given as a number in the statement"
    )
