T = {
    "mobile phone verified": "手机号已验证",
    "Enter a mainland China mobile number of 11 digits, such as 138 1234 5678.": "请输入11位中国大陆手机号，例如 138 1234 5678。",
    "An email address or a mobile number is required.": "需要电子邮箱或手机号。",
}
# One wording where helpers' catalogs differed.
T.update(
    {
        "Enter a mainland China mobile number of 11 digits, such as 138 1234 5678.": "请输入11位中国大陆手机号，例如 138 1234 5678。",
        "mobile phone verified": "手机号已验证",
        "Quiz": "随堂测验",
        "Attach": "上传附件",
        "Pin": "置顶",
        "Pin the product": "置顶讲解",
    }
)
