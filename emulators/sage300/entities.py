"""The four resources the emulator serves, with the property sets of the reference notes §2.

Property names, order, types and maximum lengths come from the notes' tables (PHPSAMPLE order
for ARCustomers). Where the notes mark a v1.0 name or enum member list as unknown, the choice
made here is commented.
"""

from __future__ import annotations

from .schema import (
    DETAILS,
    Details,
    Entity,
    EnumType,
    Field,
    amount,
    choice,
    date,
    fields_of,
    flag,
    integer,
    numbered,
    text,
    yes_no_field,
)

STATUS = EnumType("StatusEnum", (("Inactive", 0), ("Active", 1)))
ACCOUNT_TYPE = EnumType("AccountTypeEnum", (("OpenItem", 0), ("BalanceForward", 1)))
DISCOUNT_TYPE = EnumType(
    "CustomerDiscountTypeEnum", (("Base", 0), ("A", 1), ("B", 2), ("C", 3), ("D", 4), ("E", 5))
)
# Member names as in the web screens' resources; the notes mark the v1.0 names unknown.
DELIVERY_METHOD = EnumType(
    "DeliveryMethodEnum", (("Mail", 0), ("Email", 2), ("ContactsEmail", 4), ("ContactList", 5))
)
DUPLICATE_PO_CHECK = EnumType("CheckForDuplicatePOsEnum", (("None", 0), ("Warning", 1), ("Error", 2)))
PROCESS_COMMAND = EnumType("ProcessCommandCodeEnum", (("InsertOptionalFields", 0),))
UPDATE_OPERATION = EnumType(
    "UpdateOperationEnum", (("Unspecified", 0), ("Insert", 1), ("Update", 2), ("Delete", 3))
)
OPTIONAL_FIELD_TYPE = EnumType(
    "OptionalFieldValueTypeEnum",
    (("Text", 1), ("Date", 3), ("Time", 4), ("Number", 6), ("Integer", 8), ("YesNo", 9), ("Amount", 100)),
)
TRANSACTION_TYPE = EnumType("TransactionTypeEnum", (("Sales", 1), ("Purchases", 2)))


def _update_operation():
    return choice("UpdateOperation", UPDATE_OPERATION, "Unspecified")


def _view_control():
    """Fields every AR view model carries; the view fills them, callers rarely touch them."""
    return [
        choice("ProcessCommandCode", PROCESS_COMMAND, "InsertOptionalFields"),
        flag("SuppressIntegration"),
        text("ARVersion", 3, read_only=True, default="72A"),
        text("Database", 6, read_only=True),
        # Mode's enum members are unknown (notes §2.1); it is exposed as the view's number.
        integer("Mode", read_only=True),
    ]


def _address():
    return [
        *numbered(text, "AddressLine", 4, max_length=60),
        text("City", 30),
        text("StateProvince", 30, label="State/Prov."),
        text("ZipPostalCode", 20, label="Zip/Postal Code"),
        text("Country", 30),
        text("ContactName", 60),
        text("PhoneNumber", 30, label="Telephone"),
        text("FaxNumber", 30, label="Fax"),
    ]


def _optional_fields(type_name: str, parent_keys: dict[str, str]) -> Details:
    return Details(
        type_name=type_name,
        row_key="OptionalField",
        parent_keys=parent_keys,
        fields=fields_of(
            *[text(name, 12 if name == "CustomerNumber" else 6, read_only=True) for name in parent_keys],
            text("OptionalField", 12),
            text("Value", 60),
            choice("CustomerOptionalFieldValueType", OPTIONAL_FIELD_TYPE, "Text"),
            integer("Length", default=60),
            integer("Decimals"),
            yes_no_field("AllowBlank", "Yes"),
            yes_no_field("Validate"),
            yes_no_field("ValueSet", "Yes"),
            _update_operation(),
        ),
    )


def _details_field(name: str, details: Details) -> Field:
    return Field(name, DETAILS, details=details)


_ACTIVITY_DATES = [
    "DateOfLargestInvoice",
    "DateOfHighestBalance",
    "DateOfLargestInvoiceLastYear",
    "DateOfHighestBalanceLastYear",
    "DateOfLastActivity",
    "DateOfLastInvoice",
    "DateOfLastCreditNote",
    "DateOfLastDebitNote",
    "DateOfLastReceipt",
    "DateOfLastDiscount",
    "DateOfLastAdjustment",
    "DateOfLastWriteOff",
    "DateOfLastReturnedCheck",
    "DateOfLastInterestCharge",
]
_ACTIVITY_AMOUNT_STEMS = (
    "LargestInvoice",
    "HighestBalance",
    "LargestInvoiceLastYear",
    "HighBalanceLastYear",
    "LastInvoiceAmount",
    "LastCreditNoteAmount",
    "LastDebitNoteAmount",
    "LastReceipt",
    "LastDiscountAmount",
    "LastAdjustmentAmount",
    "LastWriteOffAmount",
    "LastReturnedCheckAmount",
    "LastInterestCharge",
)
# Sage truncates the two longest names ("LastReturnedCheckAmountCustomerCurr"); keep its spelling.
_ACTIVITY_AMOUNTS = [
    stem + (currency.replace("Currency", "Curr") if stem == "LastReturnedCheckAmount" else currency)
    for currency in ("CustomerCurrency", "FunctionalCurrency")
    for stem in _ACTIVITY_AMOUNT_STEMS
]


def _statistics_dates(names):
    return [date(name, read_only=True) for name in names]


def _statistics_amounts(names, **kwargs):
    return [amount(name, read_only=True, **kwargs) for name in names]


CUSTOMERS = Entity(
    set_name="ARCustomers",
    module="AR",
    type_name="Customer",
    caption="Customer",
    keys=("CustomerNumber",),
    required=("CustomerNumber", "GroupCode"),
    fields=fields_of(
        text("CustomerNumber", 12),
        text("ShortName", 10),
        text("GroupCode", 6, label="Customer Group"),
        text("NationalAccount", 12),
        choice("Status", STATUS, "Active"),
        date("InactiveDate", read_only=True),
        date("DateLastMaintained", read_only=True),
        yes_no_field("OnHold"),
        date("StartDate"),
        text("CreditBureauNumber", 9),
        text("CreditBureauRating", 5),
        date("CreditBureauDate"),
        text("CustomerName", 60),
        _address(),
        text("TerritoryCode", 6, label="Territory"),
        text("AccountSet", 6),
        text("AutocashProfile", 6),
        text("BillingCycle", 6),
        text("InterestProfile", 6),
        text("CurrencyCode", 3),
        yes_no_field("PrintStatements", "Yes"),
        choice("AccountType", ACCOUNT_TYPE, "OpenItem"),
        text("Terms", 6),
        text("RateType", 2),
        text("TaxGroup", 12),
        numbered(text, "TaxRegistrationNumber", max_length=20),
        numbered(integer, "TaxClassCode", default=1),
        amount("CreditLimitCustomerCurrency"),
        _statistics_amounts(["BalanceDueInCustomerCurrency", "BalanceDueInFunctionalCurrency"]),
        date("DateOfLastStatement", read_only=True),
        amount("LastStatementTotalCustomerCurrency", read_only=True),
        date("DateOfLastBalanceForwardStatement", read_only=True),
        amount("BeginningBalanceOnLastStatement", read_only=True),
        date("DateOfLastRevaluation", read_only=True),
        amount("LastRevaluationBalance", read_only=True),
        _statistics_amounts(
            ["NumberOfOpenDocuments", "NumberOfPaidInvoices", "NumberOfDaysToPay"], precision=7, scale=0
        ),
        _statistics_dates(_ACTIVITY_DATES),
        text("LargestInvoiceNumber", 22, read_only=True),
        text("LargestInvoiceNumberLastYear", 22, read_only=True),
        _statistics_amounts(_ACTIVITY_AMOUNTS),
        numbered(text, "Salesperson", max_length=8),
        numbered(amount, "SalesSplitPercentage", precision=9, scale=5),
        amount("AverageDaysToPay", precision=9, scale=1, read_only=True),
        text("CustomerPriceList", 6),
        choice("CustomerDiscountType", DISCOUNT_TYPE, "Base"),
        amount("AmountPastDue", read_only=True),
        text("ContactsEmail", 50, label="Contact's E-mail"),
        text("Email", 50, label="E-mail"),
        text("WebSite", 100, label="Web Site"),
        integer("BillingMethod"),
        text("PaymentCode", 12),
        text("FreeOnBoard", 60, label="FOB Point"),
        text("ShipViaCode", 6),
        text("ShipViaDescription", 60),
        choice("DeliveryMethod", DELIVERY_METHOD, "Mail"),
        text("PrimaryShipToLocation", 6),
        text("ContactsPhone", 30),
        text("ContactsFax", 30),
        yes_no_field("AllowPartialShipments", "Yes"),
        yes_no_field("AllowWebStoreShopping"),
        amount("PercentRetained", precision=9, scale=5),
        integer("DaysRetained"),
        text("RetainageTermsCode", 6),
        _statistics_amounts(["AmountRetainedCustomerCurrency", "AmountRetainedFunctionalCurrency"]),
        integer("NumberOfOptionalFields", read_only=True, wide=True),
        _view_control()[0],
        amount("NumberOfOpenPrepayments", precision=7, scale=0, read_only=True),
        _statistics_amounts(["AmountPrepaidCustomerCurrency", "AmountPrepaidFunctionalCurrency"]),
        date("DateOfLastRefund", read_only=True),
        _statistics_amounts(["LastRefundAmountCustomerCurrency", "LastRefundAmountFunctionalCurrency"]),
        text("CheckLanguage", 3, default="ENG"),
        integer("NextClientUniqueID", read_only=True, wide=True),
        text("InventoryLocation", 6),
        yes_no_field("CheckCreditLimit"),
        yes_no_field("CheckOverdueAmounts"),
        integer("DaysOverdue"),
        amount("AmountOverdue"),
        yes_no_field("AllowBackorderQuantities", "Yes"),
        choice("CheckForDuplicatePOs", DUPLICATE_PO_CHECK, "None"),
        _view_control()[1:],
        yes_no_field("SageBillingAndPaymentCustomer"),
        text("BusinessRegistrationNumber", 30),
        _details_field(
            "CustomerOptionalFieldValues",
            _optional_fields("CustomerOptionalFieldValue", {"CustomerNumber": "CustomerNumber"}),
        ),
        _update_operation(),
    ),
)

SHIP_TO_LOCATIONS = Entity(
    set_name="ARShipToLocations",
    module="AR",
    type_name="ShipToLocation",
    caption="Ship-To Location",
    keys=("CustomerNumber", "ShipToLocationKey"),
    required=("CustomerNumber", "ShipToLocationKey"),
    fields=fields_of(
        text("CustomerNumber", 12),
        text("ShipToLocationKey", 6, label="Ship-To Location Code"),
        choice("Status", STATUS, "Active"),
        date("InactiveDate", read_only=True),
        date("DateLastMaintained", read_only=True),
        text("Description", 60),
        _address(),
        text("TerritoryCode", 6, label="Territory"),
        text("TaxGroup", 12),
        numbered(text, "TaxRegistrationNumber", max_length=20),
        numbered(integer, "TaxClassCode", default=1),
        text("SpecialInstructions", 60),
        numbered(text, "Salesperson", max_length=8),
        numbered(amount, "SalesSplitPercentage", precision=9, scale=5),
        text("CustomerPriceList", 6),
        text("FreeOnBoard", 60, label="FOB Point"),
        text("ShipViaCode", 6),
        text("ShipViaDescription", 60),
        yes_no_field("PrimaryShipToIndicator"),
        text("Email", 50, label="E-mail"),
        text("ContactsPhone", 30),
        text("ContactsFax", 30),
        text("ContactsEmail", 50, label="Contact's E-mail"),
        integer("NumberOfOptionalFields", read_only=True, wide=True),
        _view_control(),
        text("InventoryLocation", 6),
        # Name as the notes list it; the 2016 metadata keyed these rows by ShipToLocationCode.
        _details_field(
            "ShipToLocationsOptionalField",
            _optional_fields(
                "ShipToLocationOptionalField",
                {"CustomerNumber": "CustomerNumber", "ShipToLocationCode": "ShipToLocationKey"},
            ),
        ),
        _update_operation(),
    ),
)

CUSTOMER_GROUPS = Entity(
    set_name="ARCustomerGroups",
    module="AR",
    type_name="CustomerGroup",
    caption="Customer Group",
    keys=("GroupCode",),
    required=("GroupCode",),
    fields=fields_of(
        text("GroupCode", 6, label="Group Code"),
        text("Description", 60),
        choice("Status", STATUS, "Active"),
        date("InactiveDate", read_only=True),
        date("DateLastMaintained", read_only=True),
        text("AccountSet", 6),
        text("AutocashProfile", 6),
        text("BillingCycle", 6),
        text("InterestProfile", 6),
        choice("AccountType", ACCOUNT_TYPE, "OpenItem"),
        text("Terms", 6),
        text("RateType", 2),
        text("TaxGroup", 12),
        numbered(integer, "TaxClassCode", default=1),
        numbered(text, "Salesperson", max_length=8),
        numbered(amount, "SalesSplitPercentage", precision=9, scale=5),
        yes_no_field("PrintStatements", "Yes"),
        yes_no_field("CheckCreditLimit"),
        yes_no_field("CheckOverdueAmounts"),
        integer("DaysOverdue"),
        _update_operation(),
    ),
)

# TX0003's key is GROUPID + TTYPE; the v1.0 property names are unknown (notes §2.3), these
# follow Sage's naming habits.
TAX_GROUPS = Entity(
    set_name="TXTaxGroups",
    module="TX",
    type_name="TaxGroup",
    caption="Tax Group",
    keys=("TaxGroup", "TransactionType"),
    read_only=True,
    fields=fields_of(
        text("TaxGroup", 12),
        choice("TransactionType", TRANSACTION_TYPE, "Sales"),
        text("Description", 60),
        text("TaxCurrency", 3),
        date("LastMaintained", read_only=True),
        yes_no_field("MultiJurisdiction"),
        numbered(text, "TaxAuthority", max_length=12),
        *[yes_no_field(f"Taxable{index}") for index in range(1, 6)],
    ),
)

ENTITIES = {entity.set_name: entity for entity in (CUSTOMERS, SHIP_TO_LOCATIONS, CUSTOMER_GROUPS, TAX_GROUPS)}
ENTITIES_BY_LOWER_NAME = {name.lower(): entity for name, entity in ENTITIES.items()}
MODULES = {"AR": [CUSTOMERS, SHIP_TO_LOCATIONS, CUSTOMER_GROUPS], "TX": [TAX_GROUPS]}

# Fields a customer takes from its group when GroupCode is put (Sage's view defaults them).
GROUP_DEFAULTED_FIELDS = (
    "AccountSet",
    "AutocashProfile",
    "BillingCycle",
    "InterestProfile",
    "AccountType",
    "Terms",
    "RateType",
    "TaxGroup",
    *[f"TaxClassCode{index}" for index in range(1, 6)],
    *[f"Salesperson{index}" for index in range(1, 6)],
    *[f"SalesSplitPercentage{index}" for index in range(1, 6)],
    "PrintStatements",
    "CheckCreditLimit",
    "CheckOverdueAmounts",
    "DaysOverdue",
)

# Fields a new ship-to location takes from its customer before the payload is applied.
SHIP_TO_DEFAULTED_FIELDS = (
    "TerritoryCode",
    "TaxGroup",
    *[f"TaxClassCode{index}" for index in range(1, 6)],
    *[f"Salesperson{index}" for index in range(1, 6)],
    *[f"SalesSplitPercentage{index}" for index in range(1, 6)],
    "CustomerPriceList",
)
