#include "libs/i18n/templates.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include <unicode/locid.h>
#include <unicode/utypes.h>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"

namespace aftersales::i18n {
namespace {

// The script a tag most likely means ("zh" -> Hans, "zh-TW" -> Hant, "de" -> Latn); "" if unknown.
std::string LikelyScript(const std::string& tag) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale = icu::Locale::forLanguageTag(tag, status);
  locale.addLikelySubtags(status);
  return U_SUCCESS(status) ? std::string(locale.getScript()) : std::string();
}

}  // namespace

absl::Status TemplateSet::Add(absl::string_view id, absl::string_view locale, absl::string_view pattern) {
  if (id.empty()) return absl::InvalidArgumentError("template id: empty");
  ASSIGN_OR_RETURN(std::string tag, CanonicalLocale(locale));
  if (absl::Status valid = ValidatePattern(pattern); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("template '", id, "' (", tag, "): ", valid.message()));
  }
  auto& by_locale = patterns_[std::string(id)];
  if (!by_locale.emplace(tag, std::string(pattern)).second) {
    return absl::AlreadyExistsError(absl::StrCat("template '", id, "' (", tag, "): already added"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Rendered> TemplateSet::Render(absl::string_view id, absl::string_view locale,
                                             const MessageArgs& args) const {
  const auto found = patterns_.find(id);
  if (found == patterns_.end()) return absl::NotFoundError(absl::StrCat("template '", id, "': unknown"));
  const auto& by_locale = found->second;
  ASSIGN_OR_RETURN(const std::string requested, CanonicalLocale(locale));

  const std::string* pattern = nullptr;
  Rendered rendered;
  std::string format_locale;
  const std::string requested_script = LikelyScript(requested);
  for (std::string candidate = requested; !candidate.empty();) {
    const auto it = by_locale.find(candidate);
    if (it != by_locale.end() && LikelyScript(candidate) == requested_script) {
      pattern = &it->second;
      rendered.locale_used = candidate;
      format_locale = requested;
      break;
    }
    const size_t dash = candidate.rfind('-');
    candidate.resize(dash == std::string::npos ? 0 : dash);
  }
  if (pattern == nullptr) {
    const auto it = by_locale.find(std::string(kFallbackLocale));
    if (it == by_locale.end()) {
      return absl::NotFoundError(
          absl::StrCat("template '", id, "': none for '", requested, "' nor for '", kFallbackLocale, "'"));
    }
    pattern = &it->second;
    rendered.locale_used = std::string(kFallbackLocale);
    rendered.fell_back = true;
    format_locale = std::string(kFallbackLocale);
  }

  absl::StatusOr<std::string> text = FormatMessage(format_locale, *pattern, args);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("template '", id, "' (", rendered.locale_used, "): ", text.status().message()));
  }
  rendered.text = *std::move(text);
  return rendered;
}

std::vector<std::string> TemplateSet::Ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, by_locale] : patterns_) ids.push_back(id);
  return ids;
}

std::vector<std::string> TemplateSet::Locales(absl::string_view id) const {
  std::vector<std::string> locales;
  if (const auto it = patterns_.find(id); it != patterns_.end()) {
    for (const auto& [locale, pattern] : it->second) locales.push_back(locale);
  }
  return locales;
}

namespace {

struct Entry {
  const char* id;
  const char* locale;
  const char* pattern;
};

// French puts a no-break space (U+00A0) before ':'. Apostrophes are plain text in ICU unless they
// stand before { } # or |, so the texts use none there.
constexpr Entry kDefaultTemplates[] = {
    // delay_detected: tracking, carrier, new_estimate (Date), days_late
    {"delay_detected", "en",
     "Your parcel {tracking} with {carrier} is running {days_late, plural, one {# day} other {# days}} late. "
     "The new estimated delivery date is {new_estimate}."},
    {"delay_detected", "de",
     "Ihre Sendung {tracking} mit {carrier} verspätet sich um {days_late, plural, one {# Tag} other {# Tage}}. "
     "Der neue voraussichtliche Liefertermin ist der {new_estimate}."},
    {"delay_detected", "fr",
     "Votre colis {tracking} ({carrier}) a {days_late, plural, one {# jour} other {# jours}} de retard. "
     "Nouvelle date de livraison estimée\u00A0: {new_estimate}."},
    {"delay_detected", "es",
     "Su envío {tracking} con {carrier} lleva {days_late, plural, one {# día} other {# días}} de retraso. "
     "La nueva fecha estimada de entrega es el {new_estimate}."},
    {"delay_detected", "zh",
     "您由{carrier}承运的包裹{tracking}预计将延误{days_late, plural, other "
     "{#天}}送达，新的预计送达日期为{new_estimate}。"},
    {"delay_detected", "ja",
     "{carrier}でお届け予定のお荷物（追跡番号：{tracking}）に{days_late, plural, other {#日}}の遅れが出ております。"
     "新しいお届け予定日は{new_estimate}です。"},

    // return_label_issued: label_number, carrier
    {"return_label_issued", "en",
     "Your {carrier} return label {label_number} is ready. Please print it out and attach it to your parcel."},
    {"return_label_issued", "de",
     "Ihr Rücksendeetikett {label_number} für {carrier} ist bereit. Bitte drucken Sie es aus und kleben Sie es "
     "gut sichtbar auf Ihr Paket."},
    {"return_label_issued", "fr",
     "Votre étiquette de retour {carrier} n° {label_number} est prête. Imprimez-la et collez-la sur votre colis."},
    {"return_label_issued", "es",
     "Su etiqueta de devolución {label_number} de {carrier} ya está lista. Imprímala y péguela en su paquete."},
    {"return_label_issued", "zh", "您的{carrier}退货标签（编号：{label_number}）已生成，请打印后贴在包裹上。"},
    {"return_label_issued", "ja",
     "{carrier}の返品ラベル（番号：{label_number}）を発行いたしました。印刷して、お荷物に貼り付けてください。"},

    // refund_sent: amount (Money)
    {"refund_sent", "en",
     "We have sent your refund of {amount}. Depending on your bank, it may take a few days to appear in your "
     "account."},
    {"refund_sent", "de",
     "Wir haben Ihnen {amount} erstattet. Je nach Bank kann es einige Tage dauern, bis der Betrag auf Ihrem Konto "
     "eingeht."},
    {"refund_sent", "fr",
     "Nous vous avons remboursé {amount}. Selon votre banque, le montant peut mettre quelques jours à apparaître "
     "sur votre compte."},
    {"refund_sent", "es",
     "Le hemos enviado el reembolso de {amount}. Según su banco, puede tardar unos días en aparecer en su cuenta."},
    {"refund_sent", "zh", "我们已向您退款{amount}。视您的银行处理情况而定，款项可能需要几天才能到账。"},
    {"refund_sent", "ja",
     "{amount}のご返金手続きが完了いたしました。金融機関によっては、ご入金の確認までに数日かかる場合がございます。"},

    // deadline_coming: what, due (Date), hours_left
    {"deadline_coming", "en",
     "Reminder: the deadline for {what} is {due}. You have "
     "{hours_left, plural, one {# hour} other {# hours}} left."},
    {"deadline_coming", "de",
     "Erinnerung: Die Frist für {what} endet am {due}. "
     "{hours_left, plural, one {Ihnen bleibt noch # Stunde} other {Ihnen bleiben noch # Stunden}}."},
    {"deadline_coming", "fr",
     "Rappel\u00A0: la date limite pour {what} est le {due}. Il vous reste "
     "{hours_left, plural, one {# heure} other {# heures}}."},
    {"deadline_coming", "es",
     "Recordatorio: el plazo para {what} vence el {due}. "
     "{hours_left, plural, one {Le queda # hora} other {Le quedan # horas}}."},
    {"deadline_coming", "zh", "温馨提醒：{what}的截止日期为{due}，还剩{hours_left, plural, other {#小时}}。"},
    {"deadline_coming", "ja", "リマインダー：{what}の期限は{due}です。残り{hours_left, plural, other {#時間}}です。"},

    // deadline_what_*: no arguments. What the buyer has to do by a deadline, to fill {what} of
    // deadline_coming ("the deadline for {what}", "die Frist für {what}", "{what}的截止日期"...).
    {"deadline_what_ship_return", "en", "shipping your return"},
    {"deadline_what_ship_return", "de", "die Rücksendung Ihres Artikels"},
    {"deadline_what_ship_return", "fr", "l’envoi de votre retour"},
    {"deadline_what_ship_return", "es", "enviar su devolución"},
    {"deadline_what_ship_return", "zh", "寄回退货商品"},
    {"deadline_what_ship_return", "ja", "返品商品のご発送"},
    {"deadline_what_answer_offer", "en", "answering the seller’s offer"},
    {"deadline_what_answer_offer", "de", "Ihre Antwort auf das Angebot des Verkäufers"},
    {"deadline_what_answer_offer", "fr", "répondre à l’offre du vendeur"},
    {"deadline_what_answer_offer", "es", "responder a la oferta del vendedor"},
    {"deadline_what_answer_offer", "zh", "回复卖家的方案"},
    {"deadline_what_answer_offer", "ja", "出品者からのご提案へのご回答"},
    {"deadline_what_escalate", "en", "asking the platform to review the seller’s decision"},
    {"deadline_what_escalate", "de", "einen Einspruch gegen die Entscheidung des Verkäufers"},
    {"deadline_what_escalate", "fr", "contester la décision du vendeur"},
    {"deadline_what_escalate", "es", "recurrir la decisión del vendedor"},
    {"deadline_what_escalate", "zh", "申请平台介入"},
    {"deadline_what_escalate", "ja", "運営への申し立て"},

    // case_resolved: case_id
    {"case_resolved", "en",
     "Your case {case_id} has been resolved. If anything is still not right, simply reply to this message."},
    {"case_resolved", "de",
     "Ihr Anliegen {case_id} wurde erledigt. Falls noch etwas nicht stimmt, antworten Sie einfach auf diese "
     "Nachricht."},
    {"case_resolved", "fr",
     "Votre demande {case_id} a été résolue. Si quelque chose ne va toujours pas, répondez simplement à ce "
     "message."},
    {"case_resolved", "es",
     "Su caso {case_id} se ha resuelto. Si algo sigue sin estar bien, solo tiene que responder a este mensaje."},
    {"case_resolved", "zh", "您的工单{case_id}已处理完毕。如仍有问题，请直接回复此消息。"},
    {"case_resolved", "ja",
     "お問い合わせ（{case_id}）は解決いたしました。まだ問題がございましたら、このメッセージにそのままご返信ください。"},
};

}  // namespace

const TemplateSet& DefaultTemplates() {
  static const TemplateSet* const kSet = [] {
    auto* set = new TemplateSet();
    for (const Entry& e : kDefaultTemplates) {
      if (absl::Status s = set->Add(e.id, e.locale, e.pattern); !s.ok()) {
        // A broken built-in template is a programming error that i18n_test catches first.
        std::fprintf(stderr, "DefaultTemplates: %s\n", s.ToString().c_str());
        std::abort();
      }
    }
    return set;
  }();
  return *kSet;
}

}  // namespace aftersales::i18n
