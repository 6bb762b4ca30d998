"""zh-hans for l14lang (issue 14: each person's language, stored on the account, for pages, emails and SMS)."""

T = {
    "The site's language (%(name)s)": "网站默认语言（%(name)s）",
    "The hub's pages after you sign in, your emails and your text messages are in this language.": "登录后的页面、发给您的邮件和短信都使用这种语言。",
    "That language is not offered here. Choose one of: %(languages)s.": "本站不提供该语言。请从以下语言中选择：%(languages)s。",
}
