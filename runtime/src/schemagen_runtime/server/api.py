"""The request envelope (RFC 8620 §3.3-3.7): parsing, capabilities, result references, dispatch
with per-call permission checks, and the response envelope."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..descriptors import ObjectDesc
from ..errors import split_pointer
from .auth import Principal
from .jsonio import Raw, TooDeep, from_bytes
from .methods import Call, get, query
from .protocol import CORE, MethodError, RequestProblem, invalid_arguments
from .session import session_state
from .setmethod import set_
from .store_api import Session

if TYPE_CHECKING:
    from .app import JmapApp

Handler = Callable[[Call], dict[str, Any]]
METHODS: dict[str, Handler] = {"get": get, "set": set_, "query": query}


@dataclass(frozen=True)
class ApiRequest:
    using: tuple[str, ...]
    calls: list[tuple[str, dict[str, Any], str]]
    created_ids: dict[str, str] | None

    @classmethod
    def parse(cls, body: bytes, content_type: bytes | None, app: JmapApp) -> ApiRequest:
        if content_type is not None and content_type.split(b";")[0].strip().lower() != b"application/json":
            raise RequestProblem("notJSON", "the request must have Content-Type application/json")
        depth = app.limits.max_depth_in_request
        try:
            data = from_bytes(body, depth)
        except TooDeep as exc:
            raise RequestProblem("limit", f"the request body {exc}", limit="maxDepthInRequest") from None
        except ValueError as exc:  # not UTF-8, not JSON, or not I-JSON (RFC 7493)
            raise RequestProblem("notJSON", f"the request body is not I-JSON: {exc}") from None
        using, calls, created = cls._shape(data)
        known = (CORE, app.registry.project.capability, *app.registry.project.capabilities)
        unknown = [c for c in using if c not in known]
        if unknown:
            raise RequestProblem("unknownCapability", f"unknown capabilities: {', '.join(unknown)}")
        limit = app.limits.max_calls_in_request
        if len(calls) > limit:
            raise RequestProblem(
                "limit", f"{len(calls)} method calls; at most {limit} are allowed", limit="maxCallsInRequest"
            )
        return cls(tuple(using), calls, created)

    @property
    def searches(self) -> bool:
        """Whether a call's cost depends on the data (a query, a get of every object): such a
        request runs in a read unit of its own (store_api.Store.read's `alone`)."""
        return any(
            name.endswith("/query") or (name.endswith("/get") and args.get("ids") is None)
            for name, args, _ in self.calls
        )

    @property
    def writes(self) -> bool:
        """Whether a call may change data: such a request runs in a write unit of the store."""
        return any(name.endswith("/set") for name, _, _ in self.calls)

    @staticmethod
    def _shape(data: Any) -> tuple[list[str], list[tuple[str, dict[str, Any], str]], dict[str, str] | None]:
        if type(data) is not dict:
            raise _not_request("the body must be a JSON object")
        using, calls, created = data.get("using"), data.get("methodCalls"), data.get("createdIds")
        if type(using) is not list or any(type(c) is not str for c in using):
            raise _not_request("'using' must be an array of capability strings")
        if type(calls) is not list:
            raise _not_request("'methodCalls' must be an array")
        out: list[tuple[str, dict[str, Any], str]] = []
        for call in calls:
            if type(call) is not list or len(call) != 3:
                raise _not_request(f"methodCalls[{len(out)}] must be [name, arguments object, call id]")
            name, args, call_id = call
            if type(name) is not str or type(args) is not dict or type(call_id) is not str:
                raise _not_request(f"methodCalls[{len(out)}] must be [name, arguments object, call id]")
            out.append((name, args, call_id))
        if created is not None and (
            type(created) is not dict or any(type(k) is not str or type(v) is not str for k, v in created.items())
        ):
            raise _not_request("'createdIds' must map creation ids to ids")
        return using, out, created


def _not_request(why: str) -> RequestProblem:
    return RequestProblem("notRequest", f"not a JMAP Request object: {why}")


def _evaluate(value: Any, tokens: list[str]) -> Any:
    """RFC 6901 with RFC 8620's `*`: applied to an array, maps over it and flattens."""
    if type(value) is Raw:  # a stored document a get sent as it is
        value = value.parsed()
    if not tokens:
        return value
    token, rest = tokens[0], tokens[1:]
    if isinstance(value, list):
        if token == "*":
            out: list[Any] = []
            for item in value:
                result = _evaluate(item, rest)
                out.extend(result) if isinstance(result, list) else out.append(result)
            return out
        index = _array_index(token)
        if index is not None and index < len(value):
            return _evaluate(value[index], rest)
    elif isinstance(value, dict) and token in value:
        return _evaluate(value[token], rest)
    raise KeyError(token)


def _plain(value: Any) -> Any:
    """A referenced value with every document a get sent as stored (Raw) parsed, at any depth."""
    if type(value) is Raw:
        return value.parsed()
    if type(value) is list:
        return [_plain(item) for item in value]
    if type(value) is dict:
        return {key: _plain(item) for key, item in value.items()}
    return value


def _array_index(token: str) -> int | None:
    """RFC 6901 array index: ASCII digits without a leading zero (`str.isdigit` also takes `²`);
    one longer than any list could be is out of range, and never reaches `int()`'s length limit."""
    if not (token.isascii() and token.isdigit()) or (token[0] == "0" and token != "0") or len(token) > 18:
        return None
    return int(token)


def resolve_references(args: dict[str, Any], responses: list[list[Any]]) -> dict[str, Any]:
    if not any(k.startswith("#") for k in args):
        return args
    out = {}
    for key, value in args.items():
        if not key.startswith("#"):
            out[key] = value
            continue
        if key[1:] in args:
            raise invalid_arguments(f"both '{key[1:]}' and '{key}' are given")
        if not (isinstance(value, dict) and all(isinstance(value.get(k), str) for k in ("resultOf", "name", "path"))):
            raise MethodError("invalidResultReference", f"'{key}' must be {{resultOf, name, path}}")
        source = next((r for r in responses if r[2] == value["resultOf"]), None)
        if source is None or source[0] != value["name"]:
            raise MethodError("invalidResultReference", f"no {value['name']} response for call {value['resultOf']!r}")
        path = value["path"]
        try:
            out[key[1:]] = _plain(_evaluate(source[1], split_pointer(path[1:]) if path not in ("", "/") else []))
        except KeyError:
            raise MethodError("invalidResultReference", f"path {path!r} does not exist in that result") from None
    return out


def _verbs(obj: ObjectDesc, method: str, args: dict[str, Any]) -> list[str]:
    if method != "set":
        return [method.capitalize()]
    if obj.is_singleton:
        return ["Update"]
    verbs = [
        verb for arg, verb in (("create", "Create"), ("update", "Update"), ("destroy", "Destroy")) if args.get(arg)
    ]
    return verbs or ["Update"]


def _lookup(app: JmapApp, name: str, using: tuple[str, ...]) -> tuple[ObjectDesc, str]:
    type_name, _, method = name.rpartition("/")
    obj = app.registry.by_jmap_name(type_name)
    if obj is None or method not in obj.methods or app.registry.project.capability not in using:
        raise MethodError("unknownMethod", f"{name} is not a method of this server (with the capabilities in 'using')")
    return obj, method


def _run(
    app: JmapApp,
    principal: Principal,
    request: ApiRequest,
    name: str,
    args: dict[str, Any],
    created: dict[str, str],
    session: Session,
) -> dict[str, Any]:
    if name == "Core/echo" and CORE in request.using:
        return args
    obj, method = _lookup(app, name, request.using)
    missing = []
    for verb in _verbs(obj, method, args):
        permission = obj.permission_prefix + verb
        if not principal.may(permission):
            missing.append(permission)
    if missing:
        raise MethodError("forbidden", f"{name} requires the {', '.join(missing)} permission")
    return METHODS[method](Call(app, principal, obj, args, created, session))


def process(app: JmapApp, principal: Principal, request: ApiRequest, session: Session) -> dict[str, Any]:
    """Runs the request's calls in order inside one unit of work of the store (`session`)."""
    responses: list[list[Any]] = []
    created = dict(request.created_ids or {})
    for name, args, call_id in request.calls:
        try:
            result = _run(app, principal, request, name, resolve_references(args, responses), created, session)
            responses.append([name, result, call_id])
        except MethodError as error:
            responses.append(["error", error.args_dict(), call_id])
        except Exception:  # a bug in one call: logged, reported as serverFail, later calls still run
            traceback.print_exc(file=sys.stderr)
            responses.append(
                ["error", {"type": "serverFail", "description": "internal error (logged on the server)"}, call_id]
            )
    out: dict[str, Any] = {"methodResponses": responses, "sessionState": session_state(app, principal)}
    if request.created_ids is not None:
        out["createdIds"] = created
    return out


def unavailable(app: JmapApp, principal: Principal, request: ApiRequest) -> dict[str, Any]:
    """The response when the database could not run or commit the request: every call failed and
    nothing of it was kept."""
    description = "the database could not complete the request (logged on the server); nothing was changed"
    responses = [
        ["error", {"type": "serverFail", "description": description}, call_id] for _, _, call_id in request.calls
    ]
    return {"methodResponses": responses, "sessionState": session_state(app, principal)}
