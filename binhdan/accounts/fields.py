"""Form fields that offer and accept only objects in the user's scope (scope by construction).

A form declares `ScopedModelChoiceField(scope=villages_managed_by)`; `ScopedForm` binds the fields to
the signed-in user (and, on a commune's page, to that commune) when the form is made. Until bound a
field offers nothing, so a form built without a user accepts no id at all. A posted id outside the
queryset is "not a valid choice" — a form error next to the field, and nothing is written.

The scopes here are built from `accounts.access` (its role sets `PLACE_MANAGERS`, `TEAM_MANAGERS`);
scopes over registry rows (residents, skills) live with the forms of the higher apps, since accounts
sits below the registry — they use the registry's `visible_to`, which asks `access` too. A scope never
comes from what the page happened to render.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Model, Q, QuerySet

from binhdan.accounts import access
from binhdan.accounts.models import Role, User
from binhdan.places.models import Place, PlaceQuerySet

Scope = Callable[[Any], QuerySet[Any]]

OUT_OF_SCOPE = "Lựa chọn không hợp lệ hoặc nằm ngoài địa bàn bạn phụ trách."
OUT_OF_SCOPE_MANY = "“%(value)s” không hợp lệ hoặc nằm ngoài địa bàn bạn phụ trách."


def places_managed_by(user: Any, kinds: Set[str] = access.PLACE_MANAGERS) -> PlaceQuerySet:
    """The places (and the places below them) where the user holds one of `kinds` today."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Place.objects.none()
    if access.is_admin(user):
        return Place.objects.all()
    ids = [role.place_id for role in user.current_roles() if role.kind in kinds and role.place_id]
    return Place.objects.filter(Q(pk__in=ids) | Q(parent_id__in=ids) | Q(parent__parent_id__in=ids))


def villages_managed_by(user: Any) -> PlaceQuerySet:
    """Current villages of the communes the user manages (commune officers; admins: all)."""
    return places_managed_by(user).villages().current().vietnamese_order()


def communes_managed_by(user: Any) -> PlaceQuerySet:
    return places_managed_by(user).communes().vietnamese_order()


def people_managed_by(user: Any, kinds: Set[str] = access.PLACE_MANAGERS) -> QuerySet[User]:
    """Users who hold a current role in a place the user manages (team members, leaders, officers)."""
    places = places_managed_by(user, kinds)
    if user is None:
        return User.objects.none()
    holders = Role.objects.current().filter(place__in=places).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).order_by("full_name", "username")


def team_people_managed_by(user: Any) -> QuerySet[User]:
    """As people_managed_by, for a team leader too (their village)."""
    return people_managed_by(user, access.TEAM_MANAGERS)


class _Scoped:
    """Shared part of the scoped fields: a scope function, and the path from the object to a commune."""

    scope: Scope
    commune_path: str | None
    queryset: Any

    def _setup(self, scope: Scope, commune_path: str | None) -> None:
        self.scope = scope
        self.commune_path = commune_path

    def bind(self, user: Any, commune: Place | None) -> None:
        queryset = self.scope(user)
        if commune is not None and self.commune_path is not None:
            queryset = queryset.filter(**{self.commune_path: commune})
        self.queryset = queryset


PK_MAX = 2**63 - 1  # a bigger "id" is no row; asking the database would fail (SQLite) or error (PostgreSQL)


def _unreal_pk(value: Any) -> bool:
    """Whether a posted value cannot be an integer primary key at all."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return True
    return not 0 < number <= PK_MAX


class ScopedModelChoiceField(_Scoped, forms.ModelChoiceField):
    def __init__(self, *, scope: Scope, commune_path: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "— Chọn —")
        messages = {"invalid_choice": OUT_OF_SCOPE, "required": "Vui lòng chọn."}
        messages.update(kwargs.pop("error_messages", {}))
        super().__init__(queryset=scope(None), error_messages=messages, **kwargs)
        self._setup(scope, commune_path)

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and _unreal_pk(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def label_from_instance(self, obj: Model) -> str:
        return _label(obj)


class ScopedModelMultipleChoiceField(_Scoped, forms.ModelMultipleChoiceField):
    def __init__(self, *, scope: Scope, commune_path: str | None = None, **kwargs: Any) -> None:
        messages = {
            "invalid_choice": OUT_OF_SCOPE_MANY,
            "invalid_pk_value": "“%(pk)s” không phải là mã hợp lệ.",
            "invalid_list": "Danh sách lựa chọn không hợp lệ.",
            "required": "Vui lòng chọn ít nhất một mục.",
        }
        messages.update(kwargs.pop("error_messages", {}))
        super().__init__(queryset=scope(None), error_messages=messages, **kwargs)
        self._setup(scope, commune_path)

    def _check_values(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for item in value:
                if _unreal_pk(item):
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": str(item)[:40]},
                    )
        return super()._check_values(value)  # type: ignore[misc]  # private in django-stubs

    def label_from_instance(self, obj: Model) -> str:
        return _label(obj)


def _label(obj: Model) -> str:
    if isinstance(obj, User):
        return obj.display_name
    return str(obj)


class ScopedForm(forms.Form):
    """A form whose scoped fields are bound to `user` (and to `commune` when the page is a commune's)."""

    def __init__(self, *args: Any, user: Any, commune: Place | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.commune = commune
        for field in self.fields.values():
            if isinstance(field, _Scoped):
                field.bind(user, commune)


class ScopedModelForm(forms.ModelForm):
    """As ScopedForm, for model forms."""

    def __init__(self, *args: Any, user: Any, commune: Place | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.commune = commune
        for field in self.fields.values():
            if isinstance(field, _Scoped):
                field.bind(user, commune)


@dataclass(frozen=True)
class FormSpec:
    """What a workspace form view edits: `target` names what the URL's pk is, `form` its form class."""

    target: str
    form: type[forms.BaseForm]


def workspace_form(target: str, form: type[forms.BaseForm]) -> Callable[[Any], Any]:
    """Mark a view as a workspace form (the scope tests find every marked URL and attack it)."""

    def mark(view: Any) -> Any:
        view.workspace_form = FormSpec(target, form)
        return view

    return mark
