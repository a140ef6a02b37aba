"""The column form: what the analyst chose per column, turned into the library's mapping.

A choice is plain data (header -> role, phone region, category, retention) so it can be saved
per export type and applied to the next export of that type. ``to_mapping`` gives the same
``ColumnMapping`` the CLI builds from its options, checked against the export's header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from client import kinds
from client.address_columns import AddressColumns
from client.errors import InputFileError
from client.kinds import Kind
from client.mapping import DEFAULT_RETENTION_DAYS, ColumnMapping, IdentifierColumn
from client.suggestions import (
    ADDITION,
    ADDRESS_PARTS,
    CASE,
    CATEGORY,
    CITY,
    DOB,
    HOUSE_NUMBER,
    OBSERVED,
    POSTCODE,
    REGION,
    SINGLE_ROLES,
    STREET,
    suggest_roles,
)
from client.wire import Category

#: the roles besides the identifier kinds, in the order of the drop-down
OTHER_ROLES: tuple[str, ...] = (*ADDRESS_PARTS, CASE, DOB, OBSERVED, CATEGORY, REGION)


def all_roles() -> tuple[str, ...]:
    """Return every role a column can be given: the registered kinds, then the others."""
    return (*kinds.names(), *OTHER_ROLES)


#: phone regions offered in the form; "" means "as written (Dutch when no country code)"
PHONE_REGIONS = ("", "BE", "DE", "RO", "BG", "PL", "HU", "UA", "TH", "CN", "NG", "BR", "CO")


class ChoiceError(ValueError):
    """The form cannot become a mapping; ``key`` names the message in the app's catalogue."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(kw_only=True)
class MappingChoice:
    """The analyst's answers on the column form."""

    roles: dict[str, str] = field(default_factory=dict)
    phone_region: str = ""
    category: str = Category.INSPECTION.value
    retention_days: int = DEFAULT_RETENTION_DAYS

    @classmethod
    def suggested(cls, headers: Sequence[str]) -> MappingChoice:
        """Return the choice the header names suggest."""
        return cls(roles=suggest_roles(headers))

    @classmethod
    def from_form(cls, form: Mapping[str, str], headers: Sequence[str]) -> MappingChoice:
        """Read the form's fields (``role-N`` per column); unknown values are refused."""
        roles = {}
        known = set(all_roles())
        for index, header in enumerate(headers):
            role = form.get(f"role-{index}", "")
            if role and role not in known:
                raise ChoiceError("unknown role")
            if role:
                roles[header] = role
        region = form.get("phone_region", "")
        if region not in PHONE_REGIONS:
            raise ChoiceError("unknown region")
        category = form.get("category", "")
        if category not in {item.value for item in Category}:
            raise ChoiceError("choose a category")
        try:
            retention = int(form.get("retention_days", ""))
        except ValueError:
            raise ChoiceError("retention must be a number of days") from None
        return cls(roles=roles, phone_region=region, category=category, retention_days=retention)

    def as_dict(self) -> dict[str, object]:
        return {
            "roles": dict(self.roles),
            "phone_region": self.phone_region,
            "category": self.category,
            "retention_days": self.retention_days,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> MappingChoice:
        """Read a saved choice; parts that no longer make sense are dropped, not trusted."""
        roles = data.get("roles")
        known = set(all_roles())
        region = data.get("phone_region")
        category = data.get("category")
        retention = data.get("retention_days")
        return cls(
            roles={
                str(header): str(role)
                for header, role in (roles.items() if isinstance(roles, dict) else [])
                if role in known
            },
            phone_region=region if isinstance(region, str) and region in PHONE_REGIONS else "",
            category=category
            if isinstance(category, str) and category in {item.value for item in Category}
            else Category.INSPECTION.value,
            retention_days=retention
            if isinstance(retention, int) and not isinstance(retention, bool)
            else DEFAULT_RETENTION_DAYS,
        )

    def fits(self, headers: Sequence[str]) -> int:
        """Return how many of this choice's columns the export has (0 if one is missing)."""
        if not self.roles or any(header not in headers for header in self.roles):
            return 0
        return len(self.roles)

    def to_mapping(
        self, headers: Sequence[str], *, origin: str
    ) -> tuple[ColumnMapping, AddressColumns | None]:
        """Return the checked mapping, and the address columns to join if any."""
        by_role: dict[str, list[str]] = {}
        for header, role in self.roles.items():
            by_role.setdefault(role, []).append(header)
        for role in SINGLE_ROLES:
            if len(by_role.get(role, [])) > 1:
                raise ChoiceError("one column only", role=role)
        one = {role: columns[0] for role, columns in by_role.items() if role in SINGLE_ROLES}
        address = None
        if any(part in one for part in ADDRESS_PARTS):
            address = AddressColumns(
                street=one.get(STREET),
                house_number=one.get(HOUSE_NUMBER),
                addition=one.get(ADDITION),
                postcode=one.get(POSTCODE),
                city=one.get(CITY),
            )
            if address.house_number is None or (
                address.postcode is None and address.street is None
            ):
                raise ChoiceError("address parts")
        region = self.phone_region or None
        kind_names = set(kinds.names())
        identifiers = [
            IdentifierColumn(
                column=header,
                kind=role,
                region=region if role == Kind.PHONE.value else None,
            )
            for header, role in self.roles.items()
            if role in kind_names
        ]
        if address is not None:
            identifiers.append(IdentifierColumn(column=address.name, kind=Kind.ADDRESS))
        if not identifiers:
            raise ChoiceError("no identifier")
        if DOB in one and Kind.PERSON.value not in by_role:
            raise ChoiceError("dob needs person")
        mapping = ColumnMapping(
            identifiers=tuple(identifiers),
            case_column=one.get(CASE),
            dob_column=one.get(DOB),
            category=Category(self.category),
            category_column=one.get(CATEGORY),
            observed_column=one.get(OBSERVED),
            region_column=one.get(REGION),
            retention_days=self.retention_days,
        )
        columns = [*headers, address.name] if address is not None else list(headers)
        try:
            if address is not None:
                address.check(headers)
            return mapping.checked(columns, origin=origin), address
        except InputFileError as error:
            raise ChoiceError("library", message=str(error)) from None
