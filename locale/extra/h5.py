T = {
    "New viewing links were made. Copied links no longer work; people in the live room get new ones by themselves.": "已生成新的观看链接。复制出去的链接已失效；直播间里的观众会自动获得新链接。",
    "Make new viewing links": "生成新的观看链接",
    "Viewing links expire by themselves; new ones also stop copied links at once. People in the live room get new links by themselves within seconds.": "观看链接会自动过期；生成新链接还会让复制出去的链接立即失效。直播间里的观众几秒内会自动获得新链接。",
}
