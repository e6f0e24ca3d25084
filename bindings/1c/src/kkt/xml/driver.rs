//! The driver's own description (`DriverDescription`), its parameters table (`Settings`),
//! and the connection values read back from it.

use super::*;

/// `DriverDescription` (GetDescription).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "DriverDescription")]
pub(crate) struct DriverDescription {
    /// `Name`.
    #[serde(rename = "@Name")]
    pub(crate) name: String,
    /// `Description`.
    #[serde(rename = "@Description")]
    pub(crate) description: String,
    /// `EquipmentType`.
    #[serde(rename = "@EquipmentType")]
    pub(crate) equipment_type: String,
    /// `IntegrationComponent`.
    #[serde(rename = "@IntegrationComponent")]
    pub(crate) integration_component: bool,
    /// `MainDriverInstalled`.
    #[serde(rename = "@MainDriverInstalled")]
    pub(crate) main_driver_installed: bool,
    /// `DriverVersion`.
    #[serde(rename = "@DriverVersion")]
    pub(crate) driver_version: String,
    /// `IntegrationComponentVersion`.
    #[serde(rename = "@IntegrationComponentVersion")]
    pub(crate) integration_component_version: String,
    /// `IsEmulator`.
    #[serde(rename = "@IsEmulator")]
    pub(crate) is_emulator: bool,
    /// `LocalizationSupported`.
    #[serde(rename = "@LocalizationSupported")]
    pub(crate) localization_supported: bool,
    /// `AutoSetup`.
    #[serde(rename = "@AutoSetup")]
    pub(crate) auto_setup: bool,
    /// `DownloadURL`.
    #[serde(rename = "@DownloadURL")]
    pub(crate) download_url: String,
    /// `EnvironmentInformation`.
    #[serde(rename = "@EnvironmentInformation")]
    pub(crate) environment: String,
    /// `LogIsEnabled`.
    #[serde(rename = "@LogIsEnabled")]
    pub(crate) log_is_enabled: bool,
    /// `LogPath`.
    #[serde(rename = "@LogPath")]
    pub(crate) log_path: String,
}

/// `Actions` (GetAdditionalActions): this driver has none.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "Actions")]
pub(crate) struct Actions {}

/// `Settings`: the parameters table of `EquipmentParameters` / `GetParameters`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename = "Settings")]
pub(crate) struct Settings {
    /// `Page`.
    #[serde(rename = "Page")]
    pub(crate) page: Page,
}

/// `Settings/Page`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct Page {
    /// `Caption`.
    #[serde(rename = "@Caption")]
    pub(crate) caption: String,
    /// `Group`s.
    #[serde(rename = "Group")]
    pub(crate) groups: Vec<Group>,
}

/// `Settings/Page/Group`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct Group {
    /// `Caption`.
    #[serde(rename = "@Caption")]
    pub(crate) caption: String,
    /// `Parameter`s.
    #[serde(rename = "Parameter")]
    pub(crate) parameters: Vec<ParameterDef>,
}

/// `Settings/Page/Group/Parameter`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct ParameterDef {
    /// `Name`.
    #[serde(rename = "@Name")]
    pub(crate) name: String,
    /// `Caption`.
    #[serde(rename = "@Caption")]
    pub(crate) caption: String,
    /// `Description`.
    #[serde(rename = "@Description")]
    pub(crate) description: String,
    /// `TypeValue`: `String`, `Number`, `Boolean`.
    #[serde(rename = "@TypeValue")]
    pub(crate) type_value: String,
    /// `DefaultValue`.
    #[serde(rename = "@DefaultValue")]
    pub(crate) default_value: String,
    /// `ReadOnly`.
    #[serde(rename = "@ReadOnly")]
    pub(crate) read_only: bool,
    /// `ChoiceList`: the values the setup form offers
    /// (`<ChoiceList><Item Value="1.2">1.2</Item>…</ChoiceList>`).
    #[serde(rename = "ChoiceList", skip_serializing_if = "Option::is_none")]
    pub(crate) choice_list: Option<ChoiceList>,
}

/// `Parameter/ChoiceList`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct ChoiceList {
    /// `Item`s.
    #[serde(rename = "Item")]
    pub(crate) items: Vec<ChoiceItem>,
}

/// `ChoiceList/Item`: the value in `Value`, the text shown as the element's text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub(crate) struct ChoiceItem {
    /// `Value`.
    #[serde(rename = "@Value")]
    pub(crate) value: String,
    /// The text shown.
    #[serde(rename = "$text")]
    pub(crate) text: String,
}

/// The connection parameters of `ConnectEquipment` / `EquipmentTest`: any element with a
/// `Name` attribute and a `Value` attribute, at any depth (`<Parameters><Parameter Name=…
/// Value=…/></Parameters>`, or the `Settings` table with `Value`s filled in).
pub(crate) fn connection_values(
    text: &str,
) -> Result<std::collections::BTreeMap<String, String>, KktError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = std::collections::BTreeMap::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let mut name = None;
                let mut value = None;
                for a in e.attributes() {
                    let a = a.map_err(|err| KktError::Xml {
                        document: "ConnectionParameters",
                        message: err.to_string(),
                    })?;
                    let v = a
                        .decode_and_unescape_value(reader.decoder())
                        .map_err(|err| KktError::Xml {
                            document: "ConnectionParameters",
                            message: err.to_string(),
                        })?
                        .into_owned();
                    match a.key.as_ref() {
                        b"Name" => name = Some(v),
                        b"Value" => value = Some(v),
                        _ => {}
                    }
                }
                if let (Some(n), Some(v)) = (name, value) {
                    out.insert(n, v);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(err) => {
                return Err(KktError::Xml {
                    document: "ConnectionParameters",
                    message: err.to_string(),
                })
            }
        }
    }
    Ok(out)
}
