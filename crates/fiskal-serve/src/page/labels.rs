//! Every word of the operator's page, in Russian and English, from one table.

use crate::error::Lang;

/// A label's (Russian, English) texts.
macro_rules! labels {
    ($( $name:ident => $ru:literal, $en:literal; )*) => {
        /// The page's words.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(non_camel_case_types)]
        pub(crate) enum L { $( $name, )* }

        impl L {
            /// Every label (for the test that no text is empty).
            #[cfg(test)]
            pub(crate) const ALL: &'static [L] = &[ $( L::$name, )* ];

            /// The text in `lang`.
            pub(crate) fn t(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (L::$name, Lang::Ru) => $ru, (L::$name, Lang::En) => $en, )*
                }
            }
        }
    };
}

labels! {
    title => "Фискализация чеков", "Receipt fiscalisation";
    login_title => "Вход оператора", "Operator sign-in";
    login_hint => "Введите токен доступа шлюза (файл --token-file).", "Enter the gateway's access token (the --token-file).";
    login_token => "Токен", "Token";
    login_button => "Войти", "Sign in";
    login_failed => "Токен не подошёл.", "The token is not right.";
    logout => "Выйти", "Sign out";
    queue => "Очередь по состояниям", "Queue by state";
    state => "Состояние", "State";
    count => "Сколько", "Count";
    oldest => "Старейшая", "Oldest";
    stuck => "Зависшие чеки", "Stuck receipts";
    stuck_none => "Зависших чеков нет.", "No stuck receipts.";
    refusals => "Отказы", "Refusals";
    refusals_none => "Отказов нет.", "No refusals.";
    last => "Последние пробитые чеки", "Latest fiscalised receipts";
    last_none => "Пробитых чеков пока нет.", "No fiscalised receipts yet.";
    routes => "Маршруты", "Routes";
    route => "Маршрут", "Route";
    route_ok => "в порядке", "healthy";
    route_alarm => "отказ в доступе с", "credentials refused since";
    key => "Ключ", "Key";
    age => "Возраст", "Age";
    reason => "Причина", "Reason";
    code => "Код", "Code";
    message => "Текст", "Message";
    latency => "Задержка", "Latency";
    total => "Сумма", "Total";
    done_at => "Пробит", "Done at";
    reconcile => "Сверка с провайдерами (24 ч)", "Reconcile with the providers (24 h)";
    reconcile_button => "Сверить", "Reconcile";
    reconcile_checked => "Проверено", "Checked";
    reconcile_matched => "Совпало", "Matched";
    reconcile_clean => "Расхождений нет.", "No findings.";
    receipt => "Чек", "Receipt";
    buyer_view => "Чек глазами покупателя", "The receipt as the buyer sees it";
    audit => "Журнал изменений", "Audit trail";
    at => "Когда", "When";
    from_to => "Переход", "Change";
    who => "Кто", "Who";
    note => "Примечание", "Note";
    actions => "Действия оператора", "Operator actions";
    requeue => "Отправить снова", "Send again";
    cancel => "Отменить", "Cancel";
    your_name => "Ваше имя", "Your name";
    why => "Почему", "Why";
    confirm => "Подтверждаю действие", "I confirm this action";
    confirm_needed => "Поставьте отметку «Подтверждаю действие».", "Tick «I confirm this action».";
    back => "К очереди", "Back to the queue";
    not_found => "Такого чека нет.", "No such receipt.";
    forbidden => "Форма устарела: обновите страницу и повторите.", "The form is stale: reload the page and try again.";
    attempt => "Попытка", "Attempt";
    document_id => "Номер документа", "Document id";
    last_error => "Последний ответ", "Last answer";
    fiscal => "Фискальные реквизиты", "Fiscal attributes";
    done_attention => "Пробиты, но требуют внимания", "Fiscalised but want attention";
    error => "Ошибка", "Error";
    not_operator => "У токена, которым вы вошли, нет роли оператора.", "The token you signed in with lacks the operator role.";
    resolve_title => "Пробит вручную", "Resolved by hand";
    resolve_hint => "Чек фискализирован, хотя шлюз не смог это узнать: найдите его в личном кабинете ОФД или кассового сервиса и перенесите реквизиты. Сумма и признак расчёта берутся из чека.", "The receipt was fiscalised although the gateway could not learn it: find it in the OFD's or the provider's personal account and copy its attributes. The total and the operation are taken from the receipt.";
    resolve_fn => "Номер ФН (16 цифр)", "FN number (16 digits)";
    resolve_fd => "Номер ФД", "FD number";
    resolve_fp => "ФП (фискальный признак)", "FP (fiscal sign)";
    resolve_date_time => "Дата и время чека", "Date and time of the receipt";
    resolve_total => "Сумма", "Total";
    resolve_operation => "Признак расчёта", "Operation";
    resolve_button => "Отметить пробитым вручную", "Mark as fiscalised by hand";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_both_texts() {
        for l in L::ALL {
            assert!(
                !l.t(Lang::Ru).is_empty() && !l.t(Lang::En).is_empty(),
                "{l:?}"
            );
            assert_ne!(l.t(Lang::Ru), l.t(Lang::En), "{l:?} untranslated");
        }
    }
}
