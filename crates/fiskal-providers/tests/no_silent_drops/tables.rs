//! Each adapter's table: every leaf path of a maximal receipt named as sent (`W`), refused
//! (`R`) or carried another way (`I`).

use super::*;

// `M` (`W`, `R`, `I`) and `Table`: support/field_walk.rs.

pub(super) const FORMAT: &str = "the version of the fiskal JSON format, not a requisite";
pub(super) const REGISTRATION: &str =
    "the register prints its registration data (1048 / 1018 / 1117 / 1187 / 1009)";
pub(super) const COMPUTED: &str =
    "the register computes it; a different value is refused (tested below)";

/// Register-assigned requisites: refused, except those in `sent`.
pub(super) fn register_rows(sent: &[(&'static str, M)]) -> Table {
    let mut t: Table = sent.to_vec();
    for f in [
        "register.kkt_reg_number",
        "register.automat_number",
        "register.fn_number",
        "register.fd_number",
        "register.receipt_number",
        "register.shift_number",
        "register.date_time",
        "register.fiscal_sign",
        "register.fns_site",
        "register.internet_only",
        "register.marks_check_result",
    ] {
        t.push((f, R(f)));
    }
    t
}

/// ATOL v4 / v5 `agent_info` and `supplier_info` of an item (doc v4 5.15 Table 2).
pub(super) fn atol_agent(t: &mut Table) {
    t.extend([
        (
            "items[*].agent.type",
            W("body.*.items[*].agent_info.type", same),
        ),
        (
            "items[*].agent.agent_info.operation",
            W("body.*.items[*].agent_info.paying_agent.operation", same),
        ),
        (
            "items[*].agent.agent_info.phones[*]",
            W("body.*.items[*].agent_info.paying_agent.phones[*]", same),
        ),
        (
            "items[*].agent.agent_info.payment_operator_phones[*]",
            W(
                "body.*.items[*].agent_info.receive_payments_operator.phones[*]",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_phones[*]",
            W(
                "body.*.items[*].agent_info.money_transfer_operator.phones[*]",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_name",
            W(
                "body.*.items[*].agent_info.money_transfer_operator.name",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_address",
            W(
                "body.*.items[*].agent_info.money_transfer_operator.address",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_inn",
            W(
                "body.*.items[*].agent_info.money_transfer_operator.inn",
                same,
            ),
        ),
        (
            "items[*].agent.supplier.name",
            W("body.*.items[*].supplier_info.name", same),
        ),
        (
            "items[*].agent.supplier.phones[*]",
            W("body.*.items[*].supplier_info.phones[*]", same),
        ),
        (
            "items[*].agent.supplier.inn",
            W("body.*.items[*].supplier_info.inn", same),
        ),
    ]);
}

/// What ATOL v4 and v5 share (`body.*` is `body.receipt` or `body.correction`).
pub(super) fn atol_common() -> Table {
    let mut t: Table = vec![
        ("version", I(FORMAT)),
        ("operation", W("operation", atol_op)),
        ("tax_system", W("body.*.company.sno", same)),
        ("company.inn", W("body.*.company.inn", same)),
        ("company.name", I(REGISTRATION)),
        (
            "company.payment_place",
            W("body.*.company.payment_address", same),
        ),
        (
            "company.payment_address",
            W("body.*.company.location", same),
        ),
        ("cashier.name", W("body.*.cashier", same)),
        ("client.contact", W("body.*.client.phone", same)),
        ("client.name", W("body.*.client.name", same)),
        ("client.inn", W("body.*.client.inn", same)),
        ("items[*].name", W("body.*.items[*].name", same)),
        ("items[*].price", W("body.*.items[*].price", same)),
        ("items[*].quantity", W("body.*.items[*].quantity", same)),
        ("items[*].sum", W("body.*.items[*].sum", same)),
        ("items[*].vat", W("body.*.items[*].vat.type", same)),
        ("items[*].vat_sum", W("body.*.items[*].vat.sum", same)),
        ("items[*].unit_vat", R("items[*].unit_vat")),
        (
            "items[*].payment_method",
            W("body.*.items[*].payment_method", same),
        ),
        ("items[*].excise", W("body.*.items[*].excise", same)),
        (
            "items[*].country_code",
            W("body.*.items[*].country_code", same),
        ),
        (
            "items[*].declaration_number",
            W("body.*.items[*].declaration_number", same),
        ),
        ("items[*].user_data", W("body.*.items[*].user_data", same)),
        ("items[*].other_tags", R("items[*].other_tags[0]")),
        ("payments.cash", W("body.*.payments[0].sum", same)),
        ("payments.electronic", W("body.*.payments[1].sum", same)),
        ("payments.prepaid", W("body.*.payments[2].sum", same)),
        ("payments.credit", W("body.*.payments[3].sum", same)),
        ("payments.consideration", W("body.*.payments[4].sum", same)),
        ("vat_totals.vat20", W("body.*.vats[0].sum", same)),
        ("vat_totals.vat10", W("body.*.vats[1].sum", same)),
        ("vat_totals.vat0_sum", W("body.*.vats[2].sum", same)),
        ("vat_totals.no_vat_sum", W("body.*.vats[3].sum", same)),
        ("vat_totals.vat120", W("body.*.vats[4].sum", same)),
        ("vat_totals.vat110", W("body.*.vats[5].sum", same)),
        (
            "additional_check_props",
            W("body.*.additional_check_props", same),
        ),
        (
            "additional_user_prop.name",
            W("body.*.additional_user_props.name", same),
        ),
        (
            "additional_user_prop.value",
            W("body.*.additional_user_props.value", same),
        ),
        ("correction.type", W("body.*.correction_info.type", same)),
        (
            "correction.date",
            W("body.*.correction_info.base_date", date_dmy),
        ),
        (
            "correction.number",
            W("body.*.correction_info.base_number", same),
        ),
        ("other_tags", R("other_tags[0]")),
    ];
    atol_agent(&mut t);
    t.extend(register_rows(&[(
        "register.automat_number",
        W("body.*.device_number", same),
    )]));
    t
}

/// ATOL API v4, ФФД 1.05 (doc «Описание протокола v4» 5.15, Tables 2 and 3).
pub(super) fn atol_v4() -> Table {
    let mut t: Table = vec![
        ("ffd", W("api", ffd_atol)),
        ("company.email", W("body.receipt.company.email", same)),
        ("cashier.inn", R("cashier.inn")),
        ("items[*].unit", W("body.*.items[*].measurement_unit", same)),
        (
            "items[*].payment_subject",
            W("body.*.items[*].payment_object", atol_v4_object),
        ),
        (
            "items[*].mark.code_1162",
            W("body.*.items[*].nomenclature_code", hex_spaced),
        ),
        (
            "items[*].mark.code",
            W("body.*.items[*].nomenclature_code", scan_1162_spaced),
        ),
        ("total", W("body.receipt.total", same)),
    ];
    t.extend(atol_common());
    t
}

/// ATOL v4 correction (Table 3): no buyer, no items, no total, no company e-mail.
pub(super) fn atol_v4_correction() -> Table {
    let mut t: Table = vec![
        ("ffd", W("api", ffd_atol)),
        ("company.email", R("company.email")),
        ("cashier.inn", R("cashier.inn")),
        ("client", R("client")),
        ("total", W("body.correction.payments", payments_sum)),
        ("additional_check_props", R("additional_check_props")),
        ("additional_user_prop", R("additional_user_prop")),
    ];
    t.extend(atol_common());
    t
}

/// ATOL API v5, ФФД 1.2 (receipts and corrections have the same body).
pub(super) fn atol_v5() -> Table {
    let mut t: Table = vec![
        ("ffd", W("api", ffd_atol)),
        ("company.email", W("body.*.company.email", same)),
        ("cashier.inn", W("body.*.cashier_inn", same)),
        ("client.birth_date", W("body.*.client.birthdate", same)),
        ("client.citizenship", W("body.*.client.citizenship", same)),
        (
            "client.document_code",
            W("body.*.client.document_code", same),
        ),
        (
            "client.document_data",
            W("body.*.client.document_data", same),
        ),
        ("client.address", W("body.*.client.address", same)),
        (
            "items[*].measure",
            W("body.*.items[*].measure", measure_code),
        ),
        (
            "items[*].payment_subject",
            W("body.*.items[*].payment_object", ps_code),
        ),
        (
            "items[*].mark.code",
            W("body.*.items[*].mark_code", v5_mark_code),
        ),
        (
            "items[*].product_code.kind",
            W("body.*.items[*].mark_code", v5_mark_kind),
        ),
        (
            "items[*].product_code.value",
            W("body.*.items[*].mark_code", v5_mark_value),
        ),
        (
            "items[*].mark.kind",
            W("body.*.items[*].mark_code", v5_mark_kind),
        ),
        (
            "items[*].mark.value",
            W("body.*.items[*].mark_code", v5_mark_value),
        ),
        (
            "items[*].mark.processing_mode",
            W("body.*.items[*].mark_processing_mode", same),
        ),
        (
            "items[*].mark.check_result",
            R("items[*].mark.check_result"),
        ),
        (
            "items[*].mark.planned_status",
            W("body.*.items[*].planned_status", planned_code),
        ),
        (
            "items[*].fraction.numerator",
            W("body.*.items[*].mark_quantity.numerator", same),
        ),
        (
            "items[*].fraction.denominator",
            W("body.*.items[*].mark_quantity.denominator", same),
        ),
        (
            "items[*].fraction.text",
            W("body.*.items[*].mark_quantity", fraction_text),
        ),
        (
            "items[*].sectoral_props[*].fois_id",
            W("body.*.items[*].sectoral_item_props[*].federal_id", same),
        ),
        (
            "items[*].sectoral_props[*].date",
            W("body.*.items[*].sectoral_item_props[*].date", same),
        ),
        (
            "items[*].sectoral_props[*].number",
            W("body.*.items[*].sectoral_item_props[*].number", same),
        ),
        (
            "items[*].sectoral_props[*].value",
            W("body.*.items[*].sectoral_item_props[*].value", same),
        ),
        ("total", W("body.*.total", same)),
        (
            "operating_check_props.id",
            W("body.*.operating_check_props.name", same),
        ),
        (
            "operating_check_props.data",
            W("body.*.operating_check_props.value", same),
        ),
        (
            "operating_check_props.time",
            W("body.*.operating_check_props.timestamp", datetime_atol),
        ),
        (
            "sectoral_check_props[*].fois_id",
            W("body.*.sectoral_check_props[*].federal_id", same),
        ),
        (
            "sectoral_check_props[*].date",
            W("body.*.sectoral_check_props[*].date", same),
        ),
        (
            "sectoral_check_props[*].number",
            W("body.*.sectoral_check_props[*].number", same),
        ),
        (
            "sectoral_check_props[*].value",
            W("body.*.sectoral_check_props[*].value", same),
        ),
    ];
    t.extend(atol_common());
    t
}

/// Orange Data (protocol 2.31.3, §2.1.1 receipts, §2.7.1 ФФД 1.2 corrections).
pub(super) fn orange(v12: bool) -> Table {
    let mut t: Table = vec![
        ("version", I(FORMAT)),
        ("ffd", W("body.content.ffdVersion", ffd_orange)),
        ("operation", W("body.content.type", op_code)),
        ("tax_system", W("body.content.checkClose.taxationSystem", ts_ordinal)),
        ("company.inn", W("body.inn", same)),
        ("company.name", I(REGISTRATION)),
        ("company.payment_place", W("body.content.settlementPlace", same)),
        ("company.payment_address", W("body.content.settlementAddress", same)),
        ("company.email", W("body.content.senderEmail", same)),
        ("cashier.name", W("body.content.cashier", same)),
        ("cashier.inn", W("body.content.cashierINN", same)),
        ("client.contact", W("body.content.customerContact", same)),
        ("items[*].name", W("body.content.positions[*].text", same)),
        ("items[*].price", W("body.content.positions[*].price", same)),
        ("items[*].quantity", W("body.content.positions[*].quantity", same)),
        ("items[*].sum", I("1043: the register computes price × quantity (or × the fraction); a sum that differs is refused (tested below)")),
        ("items[*].vat", W("body.content.positions[*].tax", vat_code)),
        ("items[*].vat_sum", W("body.content.positions[*].taxSum", same)),
        ("items[*].unit_vat", W("body.content.positions[*].unitTaxSum", same)),
        ("items[*].payment_method", W("body.content.positions[*].paymentMethodType", pm_code)),
        ("items[*].payment_subject", W("body.content.positions[*].paymentSubjectType", ps_code)),
        ("items[*].agent.type", W("body.content.positions[*].agentType", agent_code)),
        ("items[*].agent.agent_info.operation", W("body.content.positions[*].agentInfo.paymentAgentOperation", same)),
        ("items[*].agent.agent_info.phones[*]", W("body.content.positions[*].agentInfo.paymentAgentPhoneNumbers[*]", same)),
        ("items[*].agent.agent_info.payment_operator_phones[*]", W("body.content.positions[*].agentInfo.paymentOperatorPhoneNumbers[*]", same)),
        ("items[*].agent.agent_info.transfer_operator_phones[*]", W("body.content.positions[*].agentInfo.paymentTransferOperatorPhoneNumbers[*]", same)),
        ("items[*].agent.agent_info.transfer_operator_name", W("body.content.positions[*].agentInfo.paymentOperatorName", same)),
        ("items[*].agent.agent_info.transfer_operator_address", W("body.content.positions[*].agentInfo.paymentOperatorAddress", same)),
        ("items[*].agent.agent_info.transfer_operator_inn", W("body.content.positions[*].agentInfo.paymentOperatorINN", same)),
        ("items[*].agent.supplier.name", W("body.content.positions[*].supplierInfo.name", same)),
        ("items[*].agent.supplier.phones[*]", W("body.content.positions[*].supplierInfo.phoneNumbers[*]", same)),
        ("items[*].agent.supplier.inn", W("body.content.positions[*].supplierINN", same)),
        ("items[*].excise", W("body.content.positions[*].excise", same)),
        ("items[*].country_code", W("body.content.positions[*].manufacturerCountryCode", same)),
        ("items[*].declaration_number", W("body.content.positions[*].customsDeclarationNumber", same)),
        ("items[*].user_data", W("body.content.positions[*].additionalAttribute", same)),
        ("items[*].other_tags", R("items[*].other_tags[0]")),
        ("items[*].mark.check_result", R("items[*].mark.check_result")),
        ("payments.cash", W("body.content.checkClose.payments[0].amount", same)),
        ("payments.electronic", W("body.content.checkClose.payments[1].amount", same)),
        ("payments.prepaid", W("body.content.checkClose.payments[2].amount", same)),
        ("payments.credit", W("body.content.checkClose.payments[3].amount", same)),
        ("payments.consideration", W("body.content.checkClose.payments[4].amount", same)),
        ("total", W("body.content.totalSum", same)),
        ("vat_totals.vat20", W("body.content.vat1Sum", same)),
        ("vat_totals.vat10", W("body.content.vat2Sum", same)),
        ("vat_totals.vat0_sum", W("body.content.vat3Sum", same)),
        ("vat_totals.no_vat_sum", W("body.content.vat4Sum", same)),
        ("vat_totals.vat120", W("body.content.vat5Sum", same)),
        ("vat_totals.vat110", W("body.content.vat6Sum", same)),
        ("additional_check_props", W("body.content.additionalAttribute", same)),
        ("additional_user_prop.name", W("body.content.additionalUserAttribute.name", same)),
        ("additional_user_prop.value", W("body.content.additionalUserAttribute.value", same)),
        ("correction.type", W("body.content.correctionType", corr_code)),
        ("correction.date", W("body.content.causeDocumentDate", date_iso_midnight)),
        ("correction.number", W("body.content.causeDocumentNumber", same)),
        ("other_tags", R("other_tags[0]")),
    ];
    if v12 {
        t.extend([
            ("client.name", W("body.content.customerInfo.name", same)),
            ("client.inn", W("body.content.customerInfo.inn", same)),
            ("client.birth_date", W("body.content.customerInfo.birthDate", same)),
            ("client.citizenship", W("body.content.customerInfo.citizenship", same)),
            ("client.document_code", W("body.content.customerInfo.identityDocumentCode", same)),
            ("client.document_data", W("body.content.customerInfo.identityDocumentData", same)),
            ("client.address", W("body.content.customerInfo.address", same)),
            ("items[*].measure", W("body.content.positions[*].quantityMeasurementUnit", measure_code)),
            ("items[*].mark.code", W("body.content.positions[*].itemCode", item_code)),
            ("items[*].mark.kind", W("body.content.positions[*].itemCode", item_code_kind)),
            ("items[*].product_code.kind", W("body.content.positions[*].barcodes", barcode_kind)),
            ("items[*].product_code.value", W("body.content.positions[*].barcodes", barcode_value)),
            ("items[*].mark.value", W("body.content.positions[*].itemCode", item_code_value)),
            ("items[*].mark.processing_mode", I("2102 = 0: the only mode; the register records it for every code sent in itemCode, another value is refused")),
            ("items[*].mark.planned_status", W("body.content.positions[*].plannedStatus", planned_code)),
            ("items[*].fraction.numerator", W("body.content.positions[*].fractionalQuantity.Numerator", same)),
            ("items[*].fraction.denominator", W("body.content.positions[*].fractionalQuantity.Denominator", same)),
            ("items[*].fraction.text", W("body.content.positions[*].fractionalQuantity", fraction_text)),
            ("items[*].sectoral_props[0].fois_id", W("body.content.positions[*].industryAttribute.foivId", same)),
            ("items[*].sectoral_props[0].date", W("body.content.positions[*].industryAttribute.causeDocumentDate", same)),
            ("items[*].sectoral_props[0].number", W("body.content.positions[*].industryAttribute.causeDocumentNumber", same)),
            ("items[*].sectoral_props[0].value", W("body.content.positions[*].industryAttribute.value", same)),
            ("items[*].sectoral_props[1].fois_id", W("body.content.positions[*].industryAttributes[0].foivId", same)),
            ("items[*].sectoral_props[1].date", W("body.content.positions[*].industryAttributes[0].causeDocumentDate", same)),
            ("items[*].sectoral_props[1].number", W("body.content.positions[*].industryAttributes[0].causeDocumentNumber", same)),
            ("items[*].sectoral_props[1].value", W("body.content.positions[*].industryAttributes[0].value", same)),
            ("operating_check_props.id", W("body.content.operationalAttribute.id", same)),
            ("operating_check_props.data", W("body.content.operationalAttribute.value", same)),
            ("operating_check_props.time", W("body.content.operationalAttribute.date", datetime_iso)),
            ("sectoral_check_props[0].fois_id", W("body.content.industryAttribute.foivId", same)),
            ("sectoral_check_props[0].date", W("body.content.industryAttribute.causeDocumentDate", same)),
            ("sectoral_check_props[0].number", W("body.content.industryAttribute.causeDocumentNumber", same)),
            ("sectoral_check_props[0].value", W("body.content.industryAttribute.value", same)),
            ("sectoral_check_props[1]", R("sectoral_check_props[1]")),
        ]);
    } else {
        t.extend([
            ("client.name", W("body.content.customer", same)),
            ("client.inn", W("body.content.customerINN", same)),
            (
                "items[*].unit",
                W("body.content.positions[*].unitOfMeasurement", same),
            ),
            (
                "items[*].mark.code_1162",
                W("body.content.positions[*].nomenclatureCode", hex_b64),
            ),
            (
                "items[*].mark.code",
                W("body.content.positions[*].nomenclatureCode", scan_1162_b64),
            ),
        ]);
    }
    t.extend(register_rows(&[(
        "register.automat_number",
        W("body.content.automatNumber", same),
    )]));
    t
}

/// Orange Data ФФД 1.05 correction (§2.3.1.1): a totals record.
pub(super) fn orange_105_correction() -> Table {
    let mut t: Table = vec![
        ("ffd", W("endpoint", ffd_orange_105_correction)),
        ("operation", W("body.content.type", op_code)),
        ("tax_system", W("body.content.taxationSystem", ts_ordinal)),
        ("cashier", R("cashier")),
        ("client.name", R("client.name")),
        ("client.inn", R("client.inn")),
        ("payments.cash", W("body.content.cashSum", same)),
        ("payments.electronic", W("body.content.eCashSum", same)),
        ("payments.prepaid", W("body.content.prepaymentSum", same)),
        ("payments.credit", W("body.content.postpaymentSum", same)),
        (
            "payments.consideration",
            W("body.content.otherPaymentTypeSum", same),
        ),
        ("vat_totals.vat20", W("body.content.tax1Sum", same)),
        ("vat_totals.vat10", W("body.content.tax2Sum", same)),
        ("vat_totals.vat0_sum", W("body.content.tax3Sum", same)),
        ("vat_totals.no_vat_sum", W("body.content.tax4Sum", same)),
        ("vat_totals.vat120", W("body.content.tax5Sum", same)),
        ("vat_totals.vat110", W("body.content.tax6Sum", same)),
        ("additional_check_props", R("additional_check_props")),
        ("additional_user_prop", R("additional_user_prop")),
    ];
    t.extend(orange(false));
    t
}

/// Business.ru Open API `printCheck` (vendor SDK `business-ru/open-api-sdk-php`, `src/OpenClient.php`).
pub(super) fn business_ru(v12: bool) -> Table {
    let mut t: Table = vec![
        ("version", I(FORMAT)),
        ("ffd", W("api", ffd_br)),
        (
            "operation",
            W("type", |w, m| text(m) == "sell" && w == "printCheck"),
        ),
        ("tax_system", W("command.tag1055", ts_code)),
        ("company.inn", I(REGISTRATION)),
        ("company.name", I(REGISTRATION)),
        ("company.payment_place", I(REGISTRATION)),
        ("company.payment_address", I(REGISTRATION)),
        ("company.email", I(REGISTRATION)),
        ("cashier.name", W("command.author", same)),
        ("cashier.inn", R("cashier.inn")),
        ("client.contact", W("command.smsEmail54FZ", same)),
        ("client.name", W("command.client_name", same)),
        ("client.inn", W("command.client_inn", same)),
        ("client.birth_date", R("client.birth_date")),
        ("client.citizenship", R("client.citizenship")),
        ("client.document_code", R("client.document_code")),
        ("client.document_data", R("client.document_data")),
        ("client.address", R("client.address")),
        ("items[*].name", W("command.goods[*].name", same)),
        ("items[*].price", W("command.goods[*].price", same)),
        ("items[*].quantity", W("command.goods[*].count", same)),
        ("items[*].sum", W("command.goods[*].sum", same)),
        ("items[*].unit", R("items[*].unit")),
        ("items[*].vat", W("command.goods[*]", br_vat)),
        ("items[*].vat_sum", I(COMPUTED)),
        ("items[*].unit_vat", R("items[*].unit_vat")),
        (
            "items[*].payment_method",
            W("command.goods[*].payment_mode", pm_code),
        ),
        (
            "items[*].payment_subject",
            W("command.goods[*].item_type", ps_code),
        ),
        (
            "items[*].agent.type",
            W("command.goods[*].agent_info.type", agent_code),
        ),
        (
            "items[*].agent.agent_info.operation",
            W(
                "command.goods[*].agent_info.payment_operator_operation",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.phones[*]",
            W(
                "command.goods[*].agent_info.payment_operator_phone[*]",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.payment_operator_phones[*]",
            W(
                "command.goods[*].agent_info.receive_operator_phone[*]",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_phones[*]",
            W(
                "command.goods[*].agent_info.transfer_operator_phone[*]",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_name",
            W("command.goods[*].agent_info.transfer_operator_name", same),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_address",
            W(
                "command.goods[*].agent_info.transfer_operator_address",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_inn",
            W("command.goods[*].agent_info.transfer_operator_inn", same),
        ),
        (
            "items[*].agent.supplier.name",
            W("command.goods[*].agent_info.supplier_name", same),
        ),
        (
            "items[*].agent.supplier.phones[*]",
            W("command.goods[*].agent_info.supplier_phone[*]", same),
        ),
        (
            "items[*].agent.supplier.inn",
            W("command.goods[*].agent_info.supplier_inn", same),
        ),
        ("items[*].excise", R("items[*].excise")),
        ("items[*].country_code", R("items[*].country_code")),
        (
            "items[*].declaration_number",
            R("items[*].declaration_number"),
        ),
        ("items[*].sectoral_props", R("items[*].sectoral_props")),
        ("items[*].fraction", R("items[*].fraction")),
        ("items[*].user_data", W("command.goods[*].user_data", same)),
        ("items[*].other_tags", R("items[*].other_tags[0]")),
        ("payments.cash", W("command.payed_cash", same)),
        ("payments.electronic", W("command.payed_cashless", same)),
        ("payments.prepaid", W("command.payed_prepay", same)),
        ("payments.credit", W("command.payed_credit", same)),
        (
            "payments.consideration",
            W("command.payed_consideration", same),
        ),
        ("total", W("command", payments_sum)),
        ("vat_totals", I(COMPUTED)),
        ("additional_check_props", R("additional_check_props")),
        (
            "additional_user_prop.name",
            W("command.additional_user_props.name", same),
        ),
        (
            "additional_user_prop.value",
            W("command.additional_user_props.value", same),
        ),
        ("operating_check_props", R("operating_check_props")),
        ("sectoral_check_props", R("sectoral_check_props")),
        ("other_tags", R("other_tags[0]")),
    ];
    if v12 {
        t.extend([
            ("items[*].mark", R("items[*].mark")),
            ("items[*].product_code", R("items[*].product_code")),
            ("items[*].measure", I("2108 = 0 (pieces): /open-api/v2/ has no published field, the service records pieces; any other measure is refused")),
        ]);
    } else {
        t.extend([
            (
                "items[*].mark.code_1162",
                W("command.goods[*].nomenclature_code", hex_spaced_tail),
            ),
            (
                "items[*].mark.code",
                W("command.goods[*].nomenclature_code", scan_1162_spaced_tail),
            ),
        ]);
    }
    t.extend(register_rows(&[]));
    t
}
